using System.Text.Json;
using System.Text.Json.Serialization;
using EcoMonitor.Feed.Chains;
using EcoMonitor.Runtime.Files;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Feed.Storage;

/// <summary>
/// The feed on disk, <c>DataDirectory/feed/</c> (docs/feed.md#persistence): <c>messages/{identifier}.xml</c>,
/// each CAP message written once (AtomicFile: temporary file, fsync, rename) and never rewritten, and
/// <c>index.json</c>, the <see cref="FeedState"/>, replaced whole the same way after the round's
/// messages. A message is served only once the index naming it is on disk, so a file the index does
/// not name was never published: at start it is deleted (a crash between the two writes).
/// </summary>
internal sealed partial class FeedStore
{
    /// <summary>The <c>store</c> label of <c>ecomonitor_disk_write_failures_total</c>; with <c>-disk</c>, the readiness condition.</summary>
    public const string DiskStore = "feed";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly ILogger<FeedStore> _logger;

    public FeedStore(IOptions<DataDirectoryOptions> options, ILogger<FeedStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        Directory = Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "feed");
        MessageDirectory = Path.Combine(Directory, "messages");
        IndexPath = Path.Combine(Directory, "index.json");
        LeavesPath = Path.Combine(Directory, "audit-leaves.json");
    }

    public string Directory { get; }

    public string MessageDirectory { get; }

    public string IndexPath { get; }

    /// <summary>Identifier → leaf index of the message's <c>cap</c> record in the audit log (docs/feed.md#audit-leaf).</summary>
    public string LeavesPath { get; }

    /// <summary>Reads the index and makes the files agree with it: orphans deleted, entries without a file dropped (both logged).</summary>
    public FeedState Load()
    {
        System.IO.Directory.CreateDirectory(MessageDirectory);
        var state = new FeedState();
        if (File.Exists(IndexPath))
        {
            try
            {
                state = JsonSerializer.Deserialize<FeedState>(File.ReadAllBytes(IndexPath), Json) ?? new FeedState();
            }
            catch (JsonException ex)
            {
                // Replaced whole by rename, so never torn; a file damaged otherwise is kept aside for an operator.
                var aside = IndexPath + ".damaged";
                File.Move(IndexPath, aside, overwrite: true);
                LogIndexDamaged(_logger, ex, IndexPath, aside);
                state = new FeedState();
            }
        }

        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chain in state.Chains.ToList())
        {
            foreach (var message in chain.Messages.ToList())
            {
                if (File.Exists(PathOf(message.Identifier)))
                {
                    named.Add(message.Identifier + ".xml");
                }
                else
                {
                    chain.Messages.Remove(message);
                    LogMissing(_logger, message.Identifier);
                }
            }

            if (chain.Messages.Count == 0)
            {
                state.Chains.Remove(chain);
            }
        }

        var orphans = 0;
        foreach (var file in System.IO.Directory.EnumerateFiles(MessageDirectory))
        {
            if (!named.Contains(Path.GetFileName(file)))
            {
                File.Delete(file);
                orphans++;
            }
        }

        if (orphans > 0)
        {
            LogOrphans(_logger, orphans, MessageDirectory);
        }

        return state;
    }

    /// <exception cref="IOException">The disk refused the write.</exception>
    public void Write(string identifier, byte[] bytes) => AtomicFile.Write(PathOf(identifier), s => s.Write(bytes));

    /// <exception cref="IOException">The disk refused the write.</exception>
    public void Save(FeedState state) => AtomicFile.Write(IndexPath, s => JsonSerializer.Serialize(s, state, Json));

    /// <exception cref="IOException">The disk refused the write.</exception>
    public void SaveLeaves(IReadOnlyDictionary<string, long> leaves) => AtomicFile.Write(LeavesPath, s => JsonSerializer.Serialize(s, leaves, Json));

    /// <summary>The leaf indices of <see cref="SaveLeaves"/>; empty when there are none or the file is damaged (logged).</summary>
    public Dictionary<string, long> LoadLeaves()
    {
        if (!File.Exists(LeavesPath))
        {
            return new(StringComparer.Ordinal);
        }

        try
        {
            return new(JsonSerializer.Deserialize<Dictionary<string, long>>(File.ReadAllBytes(LeavesPath), Json) ?? [], StringComparer.Ordinal);
        }
        catch (JsonException ex)
        {
            // Only a pointer into the log: the records are still there, found by identifier.
            LogLeavesDamaged(_logger, ex, LeavesPath);
            return new(StringComparer.Ordinal);
        }
    }

    /// <summary>The bytes of a message, or null when there is no such file.</summary>
    public byte[]? Read(string identifier)
    {
        try
        {
            return File.ReadAllBytes(PathOf(identifier));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Deletes a message file; one that cannot be deleted is logged and left (the next start deletes it as an orphan).</summary>
    public void Delete(string identifier)
    {
        try
        {
            File.Delete(PathOf(identifier));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogDeleteFailed(_logger, ex, identifier);
        }
    }

    private string PathOf(string identifier) => Path.Combine(MessageDirectory, identifier + ".xml");

    [LoggerMessage(EventId = 7950, Level = LogLevel.Error, Message = "Feed index {Path} is not readable; moved to {Aside} and the feed starts empty")]
    private static partial void LogIndexDamaged(ILogger logger, Exception exception, string path, string aside);

    [LoggerMessage(EventId = 7951, Level = LogLevel.Warning, Message = "Feed message {Identifier} is named by the index but its file is missing; dropped from the index")]
    private static partial void LogMissing(ILogger logger, string identifier);

    [LoggerMessage(EventId = 7952, Level = LogLevel.Information, Message = "{Count} feed message file(s) in {Directory} that no saved index names (never published) deleted")]
    private static partial void LogOrphans(ILogger logger, int count, string directory);

    [LoggerMessage(EventId = 7953, Level = LogLevel.Warning, Message = "Feed message {Identifier} could not be deleted; the next start removes it")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, string identifier);

    [LoggerMessage(EventId = 7954, Level = LogLevel.Warning, Message = "Feed: {Path} (the audit leaf indices) is not readable; the entries are served without them")]
    private static partial void LogLeavesDamaged(ILogger logger, Exception exception, string path);
}
