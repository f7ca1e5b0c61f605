using EcoMonitor.Core.Audit;
using EcoMonitor.Core.Readings;
using Xunit;

namespace EcoMonitor.Core.Tests.Audit;

public sealed class ReadingsDigestTests
{
    private static readonly Reading[] Batch =
    [
        new(SensorKind.Air, "s", "air-01", "pm25", 35.2, 1000),
        new(SensorKind.Air, "s", "air-01", "pm25", 40, 2000),
        new(SensorKind.Water, "s", "w-01", "ph", 7.1, 1500),
    ];

    [Fact]
    public void A_small_batch_has_the_digest_of_its_sorted_canonical_lines()
    {
        Assert.Equal(
            ["air,device=air-01,site=s pm25=35.2 1000", "air,device=air-01,site=s pm25=40 2000", "water,device=w-01,site=s ph=7.1 1500"],
            ReadingsDigest.Lines(Batch.Select(ReadingsDigest.PointOf)));
        Assert.Equal("c84f9370ac0be8cafba86a6628226c17ed02862e4545a3c74b26912b43bafb69", ReadingsDigest.Compute(Batch));
    }

    [Fact]
    public void The_order_of_the_readings_does_not_matter()
    {
        Assert.Equal(ReadingsDigest.Compute(Batch), ReadingsDigest.Compute(Batch.Reverse()));
    }

    [Fact]
    public void A_redelivered_reading_is_counted_once()
    {
        Assert.Equal(ReadingsDigest.Compute(Batch), ReadingsDigest.Compute([.. Batch, Batch[0] with { Seq = 7 }, Batch[2]]));
    }

    [Fact]
    public void A_changed_value_changes_the_digest()
    {
        Assert.NotEqual(ReadingsDigest.Compute(Batch), ReadingsDigest.Compute([Batch[0] with { Value = 35.3 }, Batch[1], Batch[2]]));
    }

    [Fact]
    public void Points_read_back_from_a_store_give_the_digest_of_the_readings_written()
    {
        StoredPoint[] stored =
        [
            new(new PointKey("water", "s", "w-01", "ph", 1500), 7.1),
            new(new PointKey("air", "s", "air-01", "pm25", 2000), 40),
            new(new PointKey("air", "s", "air-01", "pm25", 1000), 35.2),
        ];
        Assert.Equal(ReadingsDigest.Compute(Batch), ReadingsDigest.Compute(stored));
    }
}
