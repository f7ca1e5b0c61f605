using BenchmarkDotNet.Attributes;
using EcoMonitor.Alerting;
using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Outbox;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Runtime.Health;
using EcoMonitor.Runtime.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Benchmarks;

/// <summary>
/// What ingestion feels while the alert state is saved: <see cref="AlertPipeline"/>'s Observe
/// (one message of 5 readings, nothing changes state) called every 0.5 ms, its latency from when
/// each call was due (<see cref="LatencyRecorder"/>), while a save of 100,000 evaluator states
/// (and 1,000 firing alerts) runs on another thread, on the real disk with fsync. Baseline: the
/// same calls with no save running. p50, p99 and max print at the end of each case; Mean is the
/// time one invocation took (one save, or as long without).
/// </summary>
public class AlertSaveBenchmarks
{
    private const int Devices = 100_000;
    private const int Firing = 1_000;
    private static readonly TimeSpan CallInterval = TimeSpan.FromMilliseconds(0.5);
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);

    private readonly LatencyRecorder _latency = new(CallInterval);
    private DirectoryInfo _data = null!;
    private FakeTimeProvider _clock = null!;
    private NotificationOutbox _outbox = null!;
    private AlertPipeline _pipeline = null!;
    private TimeSpan _saveTook;
    private long _at;
    private int _device;

    [GlobalSetup]
    public void Setup()
    {
        _data = Directory.CreateTempSubdirectory("ecomonitor-bench-save-");
        var rules = Path.Combine(_data.FullName, "alert-rules.yaml");
        File.WriteAllText(rules, "rules:\n  - name: pm25-high\n    kind: air\n    metric: pm25\n    above: 75\n    severity: warning\n");
        _clock = new FakeTimeProvider(Start);
        var runtime = new RuntimeMetrics();
        var metrics = new AlertMetrics(runtime);
        var data = MsOptions.Create(new DataDirectoryOptions { DataDirectory = _data.FullName });
        var alertOptions = MsOptions.Create(new AlertOptions { RulesFile = rules });
        _outbox = new NotificationOutbox(data, MsOptions.Create(new NotificationOptions()), new NotificationMetrics(runtime), NullLogger<NotificationOutbox>.Instance);
        _pipeline = CreatePipeline(
            new AlertRuleSet(alertOptions, MetricCatalog.Default, NullLogger<AlertRuleSet>.Instance),
            new AlertBook(_clock),
            new AlertStateStore(data, _clock, NullLogger<AlertStateStore>.Instance),
            alertOptions,
            metrics);
        _pipeline.Start();

        // One state per device, 1,000 of them firing.
        var readings = new Reading[Devices];
        for (var i = 0; i < Devices; i++)
        {
            readings[i] = Pm25(i, i < Firing ? 80 : 40, Start);
        }

        Observe(readings);
        _at = Start.ToUnixTimeMilliseconds();
        _pipeline.Save();
        Console.WriteLine($"// {_pipeline.Evaluator.StateCount:N0} states, {_pipeline.Book.Firing().Count:N0} firing");
    }

    [GlobalCleanup]
    public void Report()
    {
        Console.WriteLine(_latency.Summary($"Observe latency ({(_saveTook > TimeSpan.Zero ? $"during saves, last took {_saveTook.TotalMilliseconds:N0} ms" : "no save")})"));
        _outbox.Dispose();
        _data.Delete(recursive: true);
    }

    [Benchmark(Baseline = true, Description = "Observe every 0.5 ms, no save (150 ms)")]
    public int NoSave()
    {
        var until = DateTime.UtcNow.AddMilliseconds(150);
        return _latency.Run(ObserveOne, () => DateTime.UtcNow >= until);
    }

    [Benchmark(Description = "Observe every 0.5 ms during a save of 100,000 states")]
    public int DuringSave()
    {
        var started = DateTime.UtcNow;
        var save = Task.Factory.StartNew(() => _pipeline.Save(), TaskCreationOptions.LongRunning);
        var calls = _latency.Run(ObserveOne, () => save.IsCompleted);
        save.GetAwaiter().GetResult();
        _saveTook = DateTime.UtcNow - started;
        return calls;
    }

    private static Reading Pm25(int device, double value, DateTimeOffset at) =>
        new(SensorKind.Air, $"site-{device / 1000:000}", $"node-{device:000000}", "pm25", value, at.ToUnixTimeMilliseconds());

    /// <summary>One message: 5 readings of the next device, a second later than its last, none changing state.</summary>
    private void ObserveOne()
    {
        var device = Firing + (_device++ % (Devices - Firing));
        var at = DateTimeOffset.FromUnixTimeMilliseconds(_at += 1000);
        Observe([Pm25(device, 40, at), Pm25(device, 41, at.AddMilliseconds(1)), Pm25(device, 42, at.AddMilliseconds(2)), Pm25(device, 43, at.AddMilliseconds(3)), Pm25(device, 44, at.AddMilliseconds(4))]);
    }

    // The two members below are what differs from the code before the lock was narrowed (there:
    // no ReadinessConditions, and a synchronous Observe); the rest runs unchanged against both.
    private AlertPipeline CreatePipeline(AlertRuleSet ruleSet, AlertBook book, AlertStateStore store, Microsoft.Extensions.Options.IOptions<AlertOptions> alertOptions, AlertMetrics metrics) =>
        new(ruleSet, new NotificationDescriber(MetricCatalog.Default), book, _outbox, store, alertOptions, MsOptions.Create(new AlertEvaluatorOptions()), _clock, metrics, new ReadinessConditions(), NullLogger<AlertPipeline>.Instance, EcoMonitor.Core.Audit.AuditTrail.None);

    private void Observe(Reading[] readings)
    {
        var pending = _pipeline.ObserveAsync(readings, CancellationToken.None);
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }
}
