using EcoMonitor.FirmwareSim.Catalog;
using EcoMonitor.FirmwareSim.Signals;
using Xunit;

namespace EcoMonitor.FirmwareSim.Tests.Signals;

/// <summary>The signals behave as the places they imitate: afternoon ozone, rain in rivers, irrigated fields.</summary>
public sealed class SignalTests
{
    private static readonly DateTimeOffset Start = new(2026, 7, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly SignalModel _model = new(seed: 11);

    [Fact]
    public void Ozone_rises_with_the_afternoon_sun_and_sinks_at_night()
    {
        for (var device = 1; device <= 10; device++)
        {
            var afternoon = Enumerable.Range(0, 14).Average(day => O3(device, Start.AddDays(day).AddHours(15)));
            var night = Enumerable.Range(0, 14).Average(day => O3(device, Start.AddDays(day).AddHours(3)));
            Assert.True(afternoon > night + 30, $"air-{device:00}: afternoon {afternoon:F1}, night {night:F1} µg/m³");
        }
    }

    [Fact]
    public void Rain_makes_river_water_turbid_and_dilutes_it()
    {
        var hours = Enumerable.Range(0, 24 * 30).Select(h => Start.AddHours(h)).ToList();
        var turbidity = hours.Select(t => _model.Value("site-01", FleetCatalog.Water, "water-01", "turbidity", t)).ToList();
        var conductivity = hours.Select(t => _model.Value("site-01", FleetCatalog.Water, "water-01", "conductivity", t)).ToList();
        var median = turbidity.Order().ElementAt(turbidity.Count / 2);

        // Rain episodes: well above the dry median, and conductivity lower while they last.
        var wet = Enumerable.Range(0, hours.Count).Where(i => turbidity[i] > 2.5 * median).ToList();
        var dry = Enumerable.Range(0, hours.Count).Where(i => turbidity[i] < 1.2 * median).ToList();
        Assert.True(wet.Count > 20, $"{wet.Count} rainy hours in 30 days");
        Assert.True(wet.Average(i => conductivity[i]) < 0.9 * dry.Average(i => conductivity[i]));

        // Every node of a site sees the same rain.
        var other = hours.Select(t => _model.Value("site-01", FleetCatalog.Water, "water-02", "turbidity", t)).ToList();
        var otherMedian = other.Order().ElementAt(other.Count / 2);
        Assert.True(wet.Count(i => other[i] > 1.5 * otherMedian) > wet.Count * 8 / 10);
    }

    [Fact]
    public void Irrigated_soil_jumps_every_two_days_and_dries_out_between()
    {
        var times = Enumerable.Range(0, 6 * 24 * 6).Select(i => Start.AddMinutes(10 * i)).ToList();
        var moisture = times.Select(t => _model.Value("site-01", FleetCatalog.Soil, "soil-01", "moisture", t)).ToList();
        var jumps = Enumerable.Range(1, times.Count - 1).Where(i => moisture[i] - moisture[i - 1] >= 8).Select(i => times[i]).ToList();

        Assert.Equal(3, jumps.Count);
        Assert.All(jumps.Zip(jumps.Skip(1)), pair => Assert.InRange(pair.Second - pair.First, TimeSpan.FromHours(48) - TimeSpan.FromMinutes(10), TimeSpan.FromHours(48) + TimeSpan.FromMinutes(10)));

        // A day after a jump, most of it has dried away again.
        var at = times.IndexOf(jumps[0]);
        Assert.True(moisture[at] - moisture[at + (6 * 24)] > 5, $"{moisture[at]} → {moisture[at + (6 * 24)]}");
    }

    private double O3(int device, DateTimeOffset time) => _model.Value("site-01", FleetCatalog.Air, $"air-{device:00}", "o3", time);
}
