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
    public void The_one_pass_batch_gives_the_content_counts_and_range_of_the_definition()
    {
        Assert.Null(ReadingsDigest.Batch([]));
        var small = ReadingsDigest.Batch([.. Batch, Batch[0] with { Seq = 7 }])!;
        Assert.Equal("c84f9370ac0be8cafba86a6628226c17ed02862e4545a3c74b26912b43bafb69", small.Sha256);
        Assert.Equal((3, 1000L, 2000L), (small.Count, small.FromMs, small.ToMs));

        // Random batches with repeats, several sites (one beyond ASCII, one outside the BMP) and values.
        var random = new Random(15);
        string[] sites = ["s", "east", "城东", "site-\U0001F30A", "Z"];
        for (var round = 0; round < 50; round++)
        {
            var readings = Enumerable.Range(0, random.Next(1, 300)).Select(_ => new Reading(
                (SensorKind)random.Next(3), sites[random.Next(sites.Length)], $"n{random.Next(20)}", random.Next(2) == 0 ? "pm25" : "ph",
                Math.Round(random.NextDouble() * 100, random.Next(4)), 1_000 + random.Next(50))).ToList();
            readings.AddRange(readings.Take(random.Next(readings.Count)).ToList());
            var points = readings.Select(ReadingsDigest.PointOf).DistinctBy(ReadingsDigest.Line, StringComparer.Ordinal).ToList();

            var batch = ReadingsDigest.Batch(readings)!;
            Assert.Equal(ReadingsDigest.Content(ReadingsDigest.Lines(points)), batch.Content);
            Assert.Equal(ReadingsDigest.Compute(readings), batch.Sha256);
            Assert.Equal(points.Count, batch.Count);
            Assert.Equal(points.GroupBy(p => p.Key.Site, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal), batch.Sites);
            Assert.Equal((points.Min(p => p.Key.TimestampMs), points.Max(p => p.Key.TimestampMs)), (batch.FromMs, batch.ToMs));
        }
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
