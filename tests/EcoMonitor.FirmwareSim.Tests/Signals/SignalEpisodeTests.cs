using EcoMonitor.FirmwareSim.Catalog;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Formats;
using EcoMonitor.FirmwareSim.Scenarios;
using EcoMonitor.FirmwareSim.Signals;
using Xunit;

namespace EcoMonitor.FirmwareSim.Tests.Signals;

/// <summary>The episode hook of the signal model: scripted excursions stay pure functions of time.</summary>
public sealed class SignalEpisodeTests
{
    private static readonly DateTimeOffset From = new(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = From.AddMinutes(10);

    private static SignalEpisode Smog(params string[] devices) =>
        new("site-01", FleetCatalog.Air, "pm25", From, To, 180, TimeSpan.FromMinutes(2), devices);

    [Fact]
    public void The_weight_rises_smoothly_holds_the_plateau_and_falls_back()
    {
        var episode = Smog();
        Assert.Equal(0, episode.Weight(From.AddTicks(-1)));
        Assert.Equal(0, episode.Weight(From));
        Assert.Equal(0.5, episode.Weight(From.AddMinutes(1)), 1e-12);
        Assert.Equal(1, episode.Weight(From.AddMinutes(2)));
        Assert.Equal(1, episode.Weight(From.AddMinutes(5)));
        Assert.Equal(0.5, episode.Weight(To.AddMinutes(-1)), 1e-12);
        Assert.Equal(0, episode.Weight(To));
        var rising = Enumerable.Range(0, 121).Select(s => episode.Weight(From.AddSeconds(s))).ToArray();
        Assert.Equal(rising.Order(), rising);

        var step = episode with { Ramp = TimeSpan.Zero };
        Assert.Equal(1, step.Weight(From));
        Assert.Equal(0, step.Weight(To));
    }

    [Fact]
    public void During_the_episode_pm25_reaches_the_peak_and_pm10_follows_elsewhere_nothing_changes()
    {
        var normal = new SignalModel(3);
        var model = new SignalModel(3, [Smog()]);
        var plateau = From.AddMinutes(5);

        Assert.Equal(180, model.Value("site-01", "air", "air-01", "pm25", plateau));
        Assert.True(model.Value("site-01", "air", "air-01", "pm10", plateau) >= 180);
        var halfway = From.AddMinutes(1);
        var expected = Math.Round(normal.Value("site-01", "air", "air-02", "pm25", halfway) + ((180 - normal.Value("site-01", "air", "air-02", "pm25", halfway)) * 0.5), 1);
        Assert.Equal(expected, model.Value("site-01", "air", "air-02", "pm25", halfway), 0.11);

        // Other sites, metrics and times are the normal signal, value for value.
        foreach (var time in (DateTimeOffset[])[From.AddMinutes(-1), plateau, To, To.AddHours(3)])
        {
            Assert.Equal(normal.Value("site-02", "air", "air-01", "pm25", time), model.Value("site-02", "air", "air-01", "pm25", time));
            Assert.Equal(normal.Value("site-01", "air", "air-01", "no2", time), model.Value("site-01", "air", "air-01", "no2", time));
        }

        Assert.Equal(normal.Readings("site-01", "air", "air-01", To), model.Readings("site-01", "air", "air-01", To));
        // Pure: the same inputs give the same values.
        Assert.Equal(model.Readings("site-01", "air", "air-03", plateau), new SignalModel(3, [Smog()]).Readings("site-01", "air", "air-03", plateau));
    }

    [Fact]
    public void An_episode_can_be_limited_to_some_devices_and_can_be_a_dip()
    {
        var model = new SignalModel(1, [Smog("air-02"), new SignalEpisode("site-01", "water", "do", From, To, 3.5, TimeSpan.Zero, [])]);
        var plateau = From.AddMinutes(5);
        Assert.Equal(180, model.Value("site-01", "air", "air-02", "pm25", plateau));
        Assert.Equal(new SignalModel(1).Value("site-01", "air", "air-01", "pm25", plateau), model.Value("site-01", "air", "air-01", "pm25", plateau));
        Assert.Equal(3.5, model.Value("site-01", "water", "water-07", "do", plateau));
    }

    [Fact]
    public void Episodes_are_validated()
    {
        Smog().Validate();
        Assert.Throws<ArgumentException>(() => (Smog() with { To = From }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (Smog() with { Ramp = TimeSpan.FromMinutes(6) }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (Smog() with { Peak = 1001 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (Smog() with { Metric = "do" }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new FleetOptions { Episodes = [Smog() with { Peak = -1 }] }.Validate());
    }

    [Fact]
    public void A_scenario_episode_shows_in_the_fleet_messages()
    {
        var scenario = ScenarioParser.Parse("""
            seed: 4
            interval: 10s
            duration: 2m
            sites: 1
            nodes_per_kind: 1
            episodes:
              - { site: site-01, metric: pm25, from: 30s, to: 90s, peak: 150, ramp: 10s }
            """).Scenario!;
        var options = scenario.ApplyTo(new FleetOptions(), From);
        var pm25 = FleetScript.Messages(options, From)
            .Where(m => m.Node.Kind == FleetCatalog.Air)
            .Select(m => (Seconds: (m.Time - From).TotalSeconds, Text: System.Text.Encoding.UTF8.GetString(m.Message.Payload)))
            .ToArray();
        Assert.Equal(12, pm25.Length);
        Assert.All(pm25.Where(m => m.Seconds is >= 40 and <= 80), m => Assert.Contains("\"pm25\":150,", m.Text, StringComparison.Ordinal));
        Assert.All(pm25.Where(m => m.Seconds is <= 30 or >= 90), m => Assert.DoesNotContain("\"pm25\":150,", m.Text, StringComparison.Ordinal));
    }

    [Fact]
    public void The_fleet_options_carry_the_episodes_into_their_signal_model()
    {
        var options = new FleetOptions { Seed = 5, Episodes = [Smog()] };
        var model = options.CreateSignalModel();
        Assert.Equal(5, model.Seed);
        Assert.Equal(180, model.Value("site-01", "air", "air-01", "pm25", From.AddMinutes(5)));
    }
}
