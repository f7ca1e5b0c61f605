using EcoMonitor.Core.Audit;
using Xunit;

namespace EcoMonitor.Core.Tests.Audit;

public sealed class ReadingsComparisonTests
{
    private static readonly PointKey A = new("air", "s", "air-01", "pm25", 1000);
    private static readonly PointKey B = new("air", "s", "air-01", "pm25", 2000);
    private static readonly PointKey C = new("water", "s", "w-01", "ph", 1500);

    [Fact]
    public void An_untouched_store_has_no_discrepancy_even_with_a_point_read_twice_and_export_rounding()
    {
        var logged = new Dictionary<PointKey, double> { [A] = 35.2, [B] = 1e-7 + 0.1 };
        Assert.Empty(ReadingsComparison.Compare(logged, [new(A, 35.2), new(A, 35.2), new(B, 0.1000001000000001)]));
    }

    [Fact]
    public void An_overwritten_a_deleted_and_an_added_point_are_each_reported_with_their_values_in_time_order()
    {
        var logged = new Dictionary<PointKey, double> { [A] = 35.2, [B] = 40 };
        var found = ReadingsComparison.Compare(logged, [new(A, 3.52), new(C, 7.1)]);

        Assert.Equal(
            [
                new Discrepancy(DiscrepancyKind.Altered, A, 35.2, 3.52),
                new Discrepancy(DiscrepancyKind.Added, C, null, 7.1),
                new Discrepancy(DiscrepancyKind.Missing, B, 40, null),
            ],
            found);
    }
}
