using EcoMonitor.Core.Alerting.AirQuality;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;
using EcoMonitor.Ingest.Ingestion;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Runtime.Health;
using EcoMonitor.Runtime.Telemetry;
using EcoMonitor.Sensors;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Service.Tests.Sensors;

/// <summary>The sensor directory without servers, on a fake clock (docs/sensors.md).</summary>
public sealed class SensorDirectoryTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ecomonitor-sensors-");
    private readonly FakeTimeProvider _time = new(Start);
    private readonly ReadinessConditions _readiness = new();
    private readonly RuntimeMetrics _runtime = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Silence_makes_a_device_stale_then_offline_and_each_change_by_age_bumps_the_version()
    {
        var directory = Open(new SensorOptions { StaleAfter = TimeSpan.FromMinutes(15), OfflineAfter = TimeSpan.FromHours(1) });
        await directory.ObserveAsync([Air("n1", "pm25", 30, Start)], Ct);
        Assert.Equal((SensorStatus.Online, "reporting"), StatusOf(directory, "n1"));

        var version = directory.Version;
        _time.Advance(TimeSpan.FromMinutes(14));
        directory.Tick();
        Assert.Equal(version, directory.Version);

        _time.Advance(TimeSpan.FromMinutes(1));
        directory.Tick();
        Assert.True(directory.Version > version);
        Assert.Equal((SensorStatus.Stale, "no reading for 15m (Sensors:StaleAfter)"), StatusOf(directory, "n1"));

        version = directory.Version;
        _time.Advance(TimeSpan.FromMinutes(45));
        directory.Tick();
        Assert.True(directory.Version > version);
        Assert.Equal((SensorStatus.Offline, "no reading for 1h (Sensors:OfflineAfter)"), StatusOf(directory, "n1"));
        Assert.Equal(1, new SensorMetrics(_runtime).Sensors.WithLabels(SensorStatus.Offline).Value);

        // A replayed old reading is the node talking again: ages count from receipt.
        await directory.ObserveAsync([Air("n1", "pm25", 31, Start.AddMinutes(-5))], Ct);
        Assert.Equal(SensorStatus.Online, StatusOf(directory, "n1").Status);
    }

    [Fact]
    public async Task A_matching_deadman_rule_sets_the_stale_interval()
    {
        var directory = Open(new SensorOptions(), new FixedDeadman(TimeSpan.FromMinutes(5), "node-silent"));
        await directory.ObserveAsync([Air("n1", "pm25", 30, Start)], Ct);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal((SensorStatus.Stale, "no reading for 5m (deadman rule node-silent)"), StatusOf(directory, "n1"));
    }

    [Fact]
    public async Task The_last_will_makes_a_device_offline_until_a_reading_comes_after_it()
    {
        var directory = Open(new SensorOptions());
        await directory.ObserveAsync([Air("n1", "pm25", 30, Start)], Ct);
        _time.Advance(TimeSpan.FromSeconds(10));
        directory.Observe(Status("n1", NodeStatusTopic.Offline));
        var view = directory.Find("s1", "n1")!;
        Assert.Equal((SensorStatus.Offline, NodeStatusTopic.Offline), (view.Status, view.Announced));
        Assert.Contains("Last Will", view.StatusReason, StringComparison.Ordinal);

        // The same will again (a retried handling) changes nothing.
        directory.Observe(Status("n1", NodeStatusTopic.Offline));
        Assert.Equal(SensorStatus.Offline, StatusOf(directory, "n1").Status);

        _time.Advance(TimeSpan.FromSeconds(10));
        await directory.ObserveAsync([Air("n1", "pm25", 31, Start.AddSeconds(20))], Ct);
        Assert.Equal((SensorStatus.Online, "reporting"), StatusOf(directory, "n1"));
    }

    [Fact]
    public async Task A_retained_online_does_not_make_a_silent_device_fresh_and_a_cleared_status_removes_the_device()
    {
        var directory = Open(new SensorOptions { StaleAfter = TimeSpan.FromMinutes(15), OfflineAfter = TimeSpan.FromHours(1) });
        await directory.ObserveAsync([Air("n1", "pm25", 30, Start)], Ct);
        _time.Advance(TimeSpan.FromMinutes(20));
        directory.Observe(Status("n1", NodeStatusTopic.Online, retained: true));
        Assert.Equal(SensorStatus.Stale, StatusOf(directory, "n1").Status);

        // A live online is news: the node connected just now.
        directory.Observe(Status("n1", NodeStatusTopic.Online));
        Assert.Equal(SensorStatus.Online, StatusOf(directory, "n1").Status);

        // A node first heard of by its retained will is listed, offline, with no values.
        directory.Observe(Status("n2", NodeStatusTopic.Offline, retained: true));
        Assert.Equal(SensorStatus.Offline, StatusOf(directory, "n2").Status);
        Assert.Empty(directory.Find("s1", "n2")!.Metrics);

        directory.Observe(Status("n2", null));
        Assert.Null(directory.Find("s1", "n2"));
        Assert.Equal(["n1"], directory.List().Select(s => s.Device));
    }

    [Fact]
    public async Task Latest_values_follow_device_time_and_carry_the_catalog_unit()
    {
        var directory = Open(new SensorOptions());
        await directory.ObserveAsync([Air("n1", "pm25", 30, Start.AddMinutes(10)), Air("n1", "co", 1.2, Start)], Ct);

        // An older reading arriving later (a replay) does not replace the latest.
        await directory.ObserveAsync([Air("n1", "pm25", 99, Start.AddMinutes(5))], Ct);
        var view = directory.Find("s1", "n1")!;
        var pm25 = view.Metrics.Single(m => m.Metric == "pm25");
        Assert.Equal((30.0, "µg/m³", Start.AddMinutes(10)), (pm25.Value, pm25.Unit, pm25.At));
        Assert.Equal("mg/m³", view.Metrics.Single(m => m.Metric == "co").Unit);
        Assert.Equal(Start.AddMinutes(10), view.LastReadingAt);
        Assert.Equal(Start, view.LastSeen);
    }

    [Fact]
    public async Task Hourly_means_count_each_reading_once_through_retries_and_replays_in_any_order()
    {
        var directory = Open(new SensorOptions());
        var hour = Start.AddHours(2);

        // Live at :50, then the buffer of :20–:49 replayed forwards, then all of it again backwards.
        await directory.ObserveAsync([Air("n1", "pm25", 50, hour.AddMinutes(50))], Ct);
        var buffer = Enumerable.Range(20, 30).Select(m => Air("n1", "pm25", m, hour.AddMinutes(m))).ToList();
        foreach (var reading in buffer)
        {
            await directory.ObserveAsync([reading], Ct);
        }

        await directory.ObserveAsync([.. buffer.AsEnumerable().Reverse(), Air("n1", "pm25", 50, hour.AddMinutes(50))], Ct);

        // A retried message: the same readings again.
        await directory.ObserveAsync(buffer, Ct);

        // An older hour, out of order.
        await directory.ObserveAsync([Air("n1", "pm25", 10, Start.AddMinutes(30)), Air("n1", "pm25", 20, Start.AddMinutes(31))], Ct);
        await directory.ObserveAsync([Air("n1", "pm25", 10, Start.AddMinutes(30))], Ct);

        var hourly = directory.Find("s1", "n1")!.Metrics.Single().Hourly;
        Assert.Equal(2, hourly.Count);
        Assert.Equal(new HourlyMean(Start, 15, 2), hourly[0]);
        Assert.Equal(hour, hourly[1].Hour);
        Assert.Equal(31, hourly[1].Count);
        Assert.Equal((Enumerable.Range(20, 30).Sum() + 50) / 31.0, hourly[1].Mean, 9);
    }

    [Fact]
    public async Task Only_the_last_24_hours_of_the_device_are_kept()
    {
        var directory = Open(new SensorOptions());
        for (var h = 0; h < 30; h++)
        {
            await directory.ObserveAsync([Air("n1", "pm25", h, Start.AddHours(h))], Ct);
        }

        var hourly = directory.Find("s1", "n1")!.Metrics.Single().Hourly;
        Assert.Equal(24, hourly.Count);
        Assert.Equal(Start.AddHours(6), hourly[0].Hour);
        Assert.Equal(Start.AddHours(29), hourly[^1].Hour);
    }

    [Fact]
    public async Task The_aqi_is_the_standards_index_of_the_newest_hour_with_level_colour_and_primary_pollutant()
    {
        var directory = Open(new SensorOptions { Sites = { ["s2"] = new SensorSiteOptions { AqiStandard = "epa-2024" } } });
        await directory.ObserveAsync([Air("n1", "pm25", 70, Start.AddMinutes(10)), Air("n1", "pm25", 90, Start.AddMinutes(40)), Air("n1", "pm10", 60, Start.AddMinutes(40))], Ct);

        var expected = AqiCalculator.Calculate(AqiStandard.Hj633_2026, [new("pm25_1h", 80m), new("pm10_1h", 60m)]);
        var aqi = directory.Find("s1", "n1")!.Aqi!;
        Assert.Equal(("hj633-2026", expected.Aqi, 3, "轻度污染", "Lightly polluted", "#FF7E00"), (aqi.Standard, aqi.Value, aqi.Level, aqi.CategoryZh, aqi.CategoryEn, aqi.Color));
        Assert.Equal(["pm25"], aqi.Primary);
        Assert.Equal(Start, aqi.Hour);
        Assert.Null(aqi.Note);

        // The site's own standard.
        await directory.ObserveAsync([Air("n9", "pm25", 80, Start, site: "s2")], Ct);
        Assert.Equal("epa-2024", directory.Find("s2", "n9")!.Aqi!.Standard);

        // A device that measures no AQI pollutant has no AQI at all.
        await directory.ObserveAsync([Air("n2", "noise", 50, Start)], Ct);
        Assert.Null(directory.Find("s1", "n2")!.Aqi);
    }

    [Fact]
    public async Task The_aqi_is_NA_when_a_pollutant_is_missing_and_the_others_say_100_or_less()
    {
        var directory = Open(new SensorOptions());

        // pm25 reported at 08:00, then only pm10 from 10:00: pm25 has no value for the hour.
        await directory.ObserveAsync([Air("n1", "pm25", 30, Start), Air("n1", "pm10", 40, Start)], Ct);
        await directory.ObserveAsync([Air("n1", "pm10", 40, Start.AddHours(2))], Ct);
        var aqi = directory.Find("s1", "n1")!.Aqi!;
        Assert.Null(aqi.Value);
        Assert.Null(aqi.Level);
        Assert.Null(aqi.Color);
        Assert.Empty(aqi.Primary);
        Assert.StartsWith("NA", aqi.Note, StringComparison.Ordinal);

        // Above 100 the lower bound is published (HJ 633-2026 §5.3.1), said so.
        await directory.ObserveAsync([Air("n1", "pm10", 400, Start.AddHours(2).AddMinutes(1))], Ct);
        aqi = directory.Find("s1", "n1")!.Aqi!;
        Assert.True(aqi.Value > 100);
        Assert.Contains("lower bound", aqi.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_water_class_is_the_worst_parameters_with_the_deciding_parameter()
    {
        var directory = Open(new SensorOptions { Sites = { ["lake"] = new SensorSiteOptions { WaterBody = "lake" } } });
        await directory.ObserveAsync([Water("w1", "ph", 7.2), Water("w1", "do", 6.5), Water("w1", "nh3n", 1.2), Water("w1", "tp", 0.08)], Ct);
        Assert.Equal(new WaterClassView(4, "Ⅳ", "nh3n", 1.2), directory.Find("s1", "w1")!.WaterClass);

        await directory.ObserveAsync([Water("w1", "codmn", 20, Start.AddMinutes(1))], Ct);
        Assert.Equal(new WaterClassView(6, "劣Ⅴ", "codmn", 20), directory.Find("s1", "w1")!.WaterClass);

        // Lakes and reservoirs have stricter TP limits.
        await directory.ObserveAsync([Water("w2", "tp", 0.08, site: "lake"), Water("w2", "do", 8, site: "lake")], Ct);
        Assert.Equal(new WaterClassView(4, "Ⅳ", "tp", 0.08), directory.Find("lake", "w2")!.WaterClass);

        // pH alone does not classify a water; pH out of 6–9 is 劣Ⅴ.
        await directory.ObserveAsync([Water("w3", "ph", 7), Water("w3", "temperature", 12)], Ct);
        Assert.Null(directory.Find("s1", "w3")!.WaterClass);
        await directory.ObserveAsync([Water("w3", "ph", 9.5, Start.AddMinutes(1)), Water("w3", "do", 8, Start.AddMinutes(1))], Ct);
        Assert.Equal(new WaterClassView(6, "劣Ⅴ", "ph", 9.5), directory.Find("s1", "w3")!.WaterClass);
    }

    [Fact]
    public async Task The_soil_state_uses_the_sites_latest_ph_band_and_the_land_use()
    {
        var directory = Open(new SensorOptions { Sites = { ["paddy"] = new SensorSiteOptions { SoilLandUse = "paddy" } } });

        // No pH yet: the strictest band (Cd screening 0.3).
        await directory.ObserveAsync([Soil("m1", "cd", 0.5)], Ct);
        Assert.Equal((SensorAssessments.AboveScreening, (double?)null), (directory.Find("s1", "m1")!.Soil!.State, directory.Find("s1", "m1")!.Soil!.Ph));

        // The site's pH probe is another device; pH 7.0 is band (6.5, 7.5]: other land 0.3, paddy 0.6.
        await directory.ObserveAsync([Soil("probe", "ph", 7.0)], Ct);
        var soil = directory.Find("s1", "m1")!.Soil!;
        Assert.Equal((SensorAssessments.AboveScreening, 7.0), (soil.State, soil.Ph));
        Assert.Equal(["cd"], soil.Exceeding);

        await directory.ObserveAsync([Soil("probe", "ph", 7.0, site: "paddy"), Soil("m2", "cd", 0.5, site: "paddy")], Ct);
        Assert.Equal(SensorAssessments.BelowScreening, directory.Find("paddy", "m2")!.Soil!.State);
        Assert.Empty(directory.Find("paddy", "m2")!.Soil!.Exceeding);

        // Pb 800 at pH 5 is above its intervention value (400).
        await directory.ObserveAsync([Soil("m3", "pb", 800), Soil("m3", "ph", 5)], Ct);
        Assert.Equal(SensorAssessments.AboveIntervention, directory.Find("s1", "m3")!.Soil!.State);

        // A soil device without metals has no state.
        await directory.ObserveAsync([Soil("m4", "moisture", 30)], Ct);
        Assert.Null(directory.Find("s1", "m4")!.Soil);
    }

    [Fact]
    public async Task A_full_directory_refuses_new_devices_and_metrics_counted_and_keeps_the_known_ones()
    {
        var directory = Open(new SensorOptions { MaxDevices = 2, MaxMetricsPerDevice = 2 });
        await directory.ObserveAsync([Air("n1", "pm25", 1, Start), Air("n2", "pm25", 1, Start)], Ct);
        await directory.ObserveAsync([Air("n3", "pm25", 1, Start)], Ct);
        directory.Observe(Status("n4", NodeStatusTopic.Online));
        Assert.Equal(["n1", "n2"], directory.List().Select(s => s.Device));
        var metrics = new SensorMetrics(_runtime);
        Assert.Equal(2, metrics.Refusals.WithLabels(SensorDirectory.DirectoryFull).Value);

        // The known devices keep being updated.
        await directory.ObserveAsync([Air("n1", "pm10", 2, Start), Air("n1", "co", 1, Start), Air("n1", "pm25", 5, Start.AddMinutes(1))], Ct);
        Assert.Equal(["pm10", "pm25"], directory.Find("s1", "n1")!.Metrics.Select(m => m.Metric));
        Assert.Equal(5, directory.Find("s1", "n1")!.Metrics.Single(m => m.Metric == "pm25").Value);
        Assert.Equal(1, metrics.Refusals.WithLabels(SensorDirectory.MetricsFull).Value);

        // Another kind under a known name is not mixed in.
        await directory.ObserveAsync([Water("n1", "ph", 7)], Ct);
        Assert.Equal("air", directory.Find("s1", "n1")!.Kind);
        Assert.Equal(1, metrics.Refusals.WithLabels(SensorDirectory.KindMismatch).Value);

        // A device silent for ForgetAfter leaves, making room.
        _time.Advance(new SensorOptions().ForgetAfter);
        directory.Tick();
        Assert.Empty(directory.List());
    }

    [Fact]
    public async Task A_saved_directory_is_restored_with_its_values_means_and_announcements_and_the_downtime_is_not_silence()
    {
        var options = new SensorOptions { StaleAfter = TimeSpan.FromMinutes(15), OfflineAfter = TimeSpan.FromHours(1) };
        var first = Open(options);
        await first.ObserveAsync([Air("n1", "pm25", 30, Start), Air("n1", "pm25", 40, Start.AddMinutes(1)), Water("w1", "nh3n", 1.2), Water("w1", "do", 8)], Ct);
        first.Observe(Status("n2", NodeStatusTopic.Offline, retained: true));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(first.Save());
        var before = first.List();

        // Down for two hours; back, the devices are as they were, none stale for the downtime.
        _time.Advance(TimeSpan.FromHours(2));
        var second = Open(options);
        second.Restore();
        var after = second.List();
        Assert.Equal(before.Select(Json), after.Select(Json));
        Assert.Equal(SensorStatus.Online, StatusOf(second, "n1").Status);
        Assert.Equal(SensorStatus.Offline, StatusOf(second, "n2").Status);

        // The hour's spans came back too: the same readings again count nothing.
        await second.ObserveAsync([Air("n1", "pm25", 30, Start)], Ct);
        Assert.Equal(2, second.Find("s1", "n1")!.Metrics.Single().Hourly.Single().Count);

        _time.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(SensorStatus.Stale, StatusOf(second, "w1").Status);
    }

    [Fact]
    public void An_unreadable_file_is_moved_aside_and_the_directory_starts_empty()
    {
        var state = Directory.CreateDirectory(Path.Combine(_data.FullName, "state"));
        File.WriteAllText(Path.Combine(state.FullName, "sensors.json"), "{ not json");
        var directory = Open(new SensorOptions());
        directory.Restore();
        Assert.Empty(directory.List());
        Assert.Single(state.GetFiles("sensors.unreadable-*.json"));
        Assert.False(File.Exists(Path.Combine(state.FullName, "sensors.json")));
    }

    [Fact]
    public async Task A_save_the_disk_refuses_is_counted_raises_readiness_and_clears_when_it_works_again()
    {
        // A file where the state directory should be: the save cannot create it.
        var blocker = Path.Combine(_data.FullName, "state");
        File.WriteAllText(blocker, "in the way");
        var directory = Open(new SensorOptions());
        await directory.ObserveAsync([Air("n1", "pm25", 1, Start)], Ct);

        Assert.False(directory.Save());
        Assert.True(_readiness.IsRaised(SensorDirectory.StateDiskCondition));
        Assert.Equal(1, _runtime.DiskWriteFailures.WithLabels(DiskStores.SensorState).Value);

        File.Delete(blocker);
        Assert.True(directory.Save());
        Assert.False(_readiness.IsRaised(SensorDirectory.StateDiskCondition));
        Assert.True(File.Exists(Path.Combine(blocker, "sensors.json")));
    }

    public void Dispose() => _data.Delete(recursive: true);

    private static string Json(SensorView view) => System.Text.Json.JsonSerializer.Serialize(view);

    private static (string Status, string Reason) StatusOf(SensorDirectory directory, string device, string site = "s1")
    {
        var view = directory.Find(site, device)!;
        return (view.Status, view.StatusReason);
    }

    private static Reading Air(string device, string metric, double value, DateTimeOffset at, string site = "s1") =>
        new(SensorKind.Air, site, device, metric, value, at.ToUnixTimeMilliseconds());

    private static Reading Water(string device, string metric, double value, DateTimeOffset? at = null, string site = "s1") =>
        new(SensorKind.Water, site, device, metric, value, (at ?? Start).ToUnixTimeMilliseconds());

    private static Reading Soil(string device, string metric, double value, DateTimeOffset? at = null, string site = "s1") =>
        new(SensorKind.Soil, site, device, metric, value, (at ?? Start).ToUnixTimeMilliseconds());

    private NodeStatus Status(string device, string? announced, bool retained = false) =>
        new(new SensorAddress(SensorKind.Air, "s1", device), announced, _time.GetUtcNow(), retained);

    private SensorDirectory Open(SensorOptions options, IDeadmanIntervals? deadman = null) =>
        new(
            MsOptions.Create(options),
            MetricCatalog.Default,
            deadman ?? new NoRules(),
            new SensorStateStore(MsOptions.Create(new DataDirectoryOptions { DataDirectory = _data.FullName }), _time, NullLogger<SensorStateStore>.Instance),
            _readiness,
            new SensorMetrics(_runtime),
            _time,
            NullLogger<SensorDirectory>.Instance);

    private sealed class NoRules : IDeadmanIntervals
    {
        public DeadmanInterval? For(SensorAddress address) => null;
    }

    private sealed class FixedDeadman(TimeSpan silence, string rule) : IDeadmanIntervals
    {
        public DeadmanInterval? For(SensorAddress address) => new(silence, rule);
    }
}
