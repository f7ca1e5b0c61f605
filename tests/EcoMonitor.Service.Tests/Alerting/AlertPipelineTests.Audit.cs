using System.Security.Cryptography;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Audit;
using EcoMonitor.Service.Tests.Fixtures;

namespace EcoMonitor.Service.Tests.Alerting;

/// <summary>The alert engine's audit records: rules loads, transitions, acknowledgements.</summary>
public sealed partial class AlertPipelineTests
{
    [Fact]
    public async Task The_rules_load_each_transition_and_an_acknowledgement_are_recorded_with_their_fields()
    {
        WriteRules(Pm25Rule, Pm10Rule);
        var trail = new RecordingAuditTrail();
        using var engine = Open(trail);
        await engine.Pipeline.AppendPendingAuditAsync(Ct);

        var loaded = Assert.Single(trail.Records);
        Assert.Equal(AuditRecordTypes.Rules, loaded.Type);
        Assert.Equal(_rules, loaded.Fields["file"]);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(_rules))), loaded.Fields["sha256"]);
        Assert.Equal(["pm10-high", "pm25-high"], (string[])loaded.Fields["added"]!);
        Assert.Empty((string[])loaded.Fields["removed"]!);
        Assert.Empty((string[])loaded.Fields["changed"]!);

        _time.Advance(TimeSpan.FromSeconds(5));
        await engine.Pipeline.ObserveAsync([Air("pm25", 80, 0)], Ct);
        var fired = Assert.Single(trail.OfType(AuditRecordTypes.Alert));
        Assert.Equal(Start, fired.At);
        Assert.Equal("pm25-high", fired.Fields["rule"]);
        Assert.Equal(
            new Dictionary<string, object?> { ["kind"] = "air", ["site"] = "bj-1", ["device"] = "node-01", ["metric"] = "pm25" },
            (IReadOnlyDictionary<string, object?>)fired.Fields["series"]!);
        Assert.Equal(("inactive", "firing", "warning"), (fired.Fields["from"], fired.Fields["to"], fired.Fields["severity"]));
        Assert.Equal((80d, 75d), (fired.Fields["value"], fired.Fields["threshold"]));
        Assert.Equal(_time.GetUtcNow(), fired.Fields["received"]);

        var id = Assert.Single(engine.Pipeline.Book.Firing()).Id;
        var (outcome, _) = await engine.Pipeline.AcknowledgeAsync(id, "officer.zhao", "checking", Ct);
        Assert.Equal(AcknowledgeOutcome.Acknowledged, outcome);
        var ack = Assert.Single(trail.OfType(AuditRecordTypes.Acknowledgement));
        Assert.Equal(new Dictionary<string, object?> { ["alert"] = id, ["officer"] = "officer.zhao", ["comment"] = "checking" }, ack.Fields);

        // pm10-high changes, pm25-high goes, no rule is new.
        WriteRules(Pm10Rule.Replace("above: 150", "above: 250", StringComparison.Ordinal));
        _time.Advance(TimeSpan.FromSeconds(10));
        engine.Pipeline.Tick();
        await engine.Pipeline.AppendPendingAuditAsync(Ct);
        var reloaded = trail.OfType(AuditRecordTypes.Rules).Last();
        Assert.Empty((string[])reloaded.Fields["added"]!);
        Assert.Equal(["pm25-high"], (string[])reloaded.Fields["removed"]!);
        Assert.Equal(["pm10-high"], (string[])reloaded.Fields["changed"]!);
        Assert.Equal("resolved", trail.OfType(AuditRecordTypes.Alert).Last().Fields["to"]);
    }

    [Fact]
    public async Task A_transition_the_trail_refuses_fails_the_call_and_is_appended_by_the_next()
    {
        WriteRules(Pm25Rule);
        var trail = new RecordingAuditTrail { Failing = true };
        using var engine = Open(trail);

        await Assert.ThrowsAsync<IOException>(async () => await engine.Pipeline.ObserveAsync([Air("pm25", 80, 0)], Ct));
        Assert.Empty(trail.Records);

        trail.Failing = false;
        var lines = await engine.Pipeline.ObserveAsync([], Ct);
        Assert.Equal([AuditRecordTypes.Rules, AuditRecordTypes.Alert], trail.Records.Select(r => r.Type));
        Assert.Contains(lines, l => l.StartsWith("alert,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_auditing_off_the_engine_builds_no_record()
    {
        WriteRules(Pm25Rule);
        var trail = new RecordingAuditTrail(enabled: false);
        using var engine = Open(trail);
        await engine.Pipeline.ObserveAsync([Air("pm25", 80, 0)], Ct);
        await engine.Pipeline.AcknowledgeAsync(Assert.Single(engine.Pipeline.Book.Firing()).Id, "officer.zhao", null, Ct);
        await engine.Pipeline.AppendPendingAuditAsync(Ct);
        Assert.Equal(0, trail.Attempts);
    }
}
