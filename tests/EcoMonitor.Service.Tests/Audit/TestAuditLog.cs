using EcoMonitor.Audit.Log;
using EcoMonitor.Audit.Notes;
using EcoMonitor.Core.Audit;
using EcoMonitor.Runtime.Health;
using EcoMonitor.Runtime.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary>An <see cref="AuditLog"/> in a directory of its own with a fresh key, its writer running once started.</summary>
internal sealed class TestAuditLog : IAsyncDisposable
{
    public const string Origin = "eco.example/audit";

    private readonly bool _ownsDirectory;
    private Task? _writer;

    public TestAuditLog(string? directory = null, NoteKeyPair? keys = null, int capacity = 4096, bool ownsDirectory = true)
    {
        _ownsDirectory = ownsDirectory;
        Root = directory ?? Directory.CreateTempSubdirectory("ecomonitor-audit-").FullName;
        Keys = keys ?? NoteKeys.Generate(Origin);
        KeyFile = Path.Combine(Root, "signing.key");
        if (!File.Exists(KeyFile))
        {
            File.WriteAllText(KeyFile, Keys.SignerKey + "\n");
        }

        Options = new AuditOptions { SigningKeyFile = KeyFile, Origin = Origin };
        Metrics = new AuditMetrics(new RuntimeMetrics());
        Files = new AuditFiles(Path.Combine(Root, "audit"));
        Log = new AuditLog(Files, Options, Metrics, NullLogger<AuditLog>.Instance, Readiness, capacity);
    }

    public string Root { get; }

    public NoteKeyPair Keys { get; }

    public string KeyFile { get; }

    public AuditOptions Options { get; }

    public AuditMetrics Metrics { get; }

    public AuditFiles Files { get; }

    public AuditLog Log { get; }

    public ReadinessConditions Readiness { get; } = new();

    public NoteVerifier Verifier => NoteVerifier.Parse(Keys.VerifierKey);

    /// <summary>Opens the log and starts its writer.</summary>
    public TestAuditLog Start()
    {
        Log.Open();
        StartWriter();
        return this;
    }

    public void StartWriter() => _writer = Task.Run(() => Log.RunWriterAsync(CancellationToken.None));

    /// <summary>Drains and closes the log, leaving its files.</summary>
    public async Task StopAsync()
    {
        Log.Complete();
        if (_writer is not null)
        {
            await _writer;
        }

        Log.Dispose();
    }

    /// <summary>The same directory and key, a new log.</summary>
    public TestAuditLog Reopen() => new(Root, Keys);

    /// <summary>A log on <paramref name="directory"/>, which the caller deletes.</summary>
    public static TestAuditLog In(string directory, NoteKeyPair? keys = null) => new(directory, keys, ownsDirectory: false);

    public static AuditRecord Record(int i, string? type = null) => new(
        type ?? Types[i % Types.Length],
        new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero).AddSeconds(i),
        new Dictionary<string, object?> { ["n"] = i, ["site"] = $"site-{i % 7}", ["value"] = i * 0.25, ["note"] = "测量 \"ok\"" });

    private static readonly string[] Types = [AuditRecordTypes.Alert, AuditRecordTypes.Notification, AuditRecordTypes.Readings, AuditRecordTypes.Acknowledgement, AuditRecordTypes.Silence];

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (ObjectDisposedException)
        {
        }

        if (_ownsDirectory)
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
