using System.Security.Cryptography;
using System.Text;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Catalog;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Alerting;

/// <summary>
/// The alert rules the service runs, from <c>Alerts:RulesFile</c> with standard profiles
/// expanded. A file with errors stops the start with every problem listed (the same ones
/// <c>check-config</c> prints); no file at the default place means no rules. While running,
/// <see cref="TryReload"/> picks up a changed file; a changed file with errors is refused, its
/// problems logged, and the rules in force stay.
/// </summary>
public sealed partial class AlertRuleSet
{
    private readonly MetricCatalog _catalog;
    private readonly ILogger<AlertRuleSet> _logger;
    private readonly string _path;
    private (DateTime WrittenAt, long Length)? _loadedStamp;
    private (DateTime WrittenAt, long Length)? _refusedStamp;
    private bool _goneLogged;

    public AlertRuleSet(IOptions<AlertOptions> options, MetricCatalog catalog, ILogger<AlertRuleSet> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _catalog = catalog;
        _logger = logger;
        var (path, named) = options.Value.ResolveRulesFile();
        _path = path;
        if (!File.Exists(path))
        {
            if (named)
            {
                throw new InvalidOperationException($"Alerts:RulesFile '{path}' does not exist.");
            }

            LogNoRules(logger, path);
            Rules = [];
            return;
        }

        _loadedStamp = StampOf(path);
        var (rules, problems, sha256) = Load(path);
        if (rules is null)
        {
            throw new InvalidOperationException(
                $"The alert rules file {path} has errors:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}");
        }

        Rules = rules;
        Sha256 = sha256;
        LogLoaded(logger, rules.Count, path);
    }

    /// <summary>The rules file's path.</summary>
    public string FilePath => _path;

    /// <summary>The SHA-256 (lowercase hex) of the file the rules in force came from; null without a file.</summary>
    public string? Sha256 { get; private set; }

    /// <summary>The rules in force, profiles expanded.</summary>
    public IReadOnlyList<AlertRule> Rules { get; private set; }

    /// <summary>Reloads that failed (a changed file with errors); the rules in force stayed.</summary>
    public int FailedReloads { get; private set; }

    /// <summary>
    /// Reads the file again if it changed since it was loaded (modification time or length).
    /// Returns true with the new rules in <see cref="Rules"/> when it changed and is valid.
    /// </summary>
    public bool TryReload()
    {
        if (!File.Exists(_path))
        {
            // Deleting the file is more often an accident than a wish to stop all alerting.
            if (_loadedStamp is not null && !_goneLogged)
            {
                _goneLogged = true;
                LogFileGone(_logger, _path);
            }

            return false;
        }

        _goneLogged = false;

        var stamp = StampOf(_path);
        if (stamp == _loadedStamp || stamp == _refusedStamp)
        {
            return false;
        }

        var (rules, problems, sha256) = Load(_path);
        if (rules is null)
        {
            _refusedStamp = stamp;
            FailedReloads++;
            LogReloadRefused(_logger, _path, problems.Count, string.Join(Environment.NewLine, problems));
            return false;
        }

        _loadedStamp = stamp;
        _refusedStamp = null;
        Rules = rules;
        Sha256 = sha256;
        LogReloaded(_logger, rules.Count, _path);
        return true;
    }

    private static (DateTime, long) StampOf(string path)
    {
        var info = new FileInfo(path);
        return (info.LastWriteTimeUtc, info.Length);
    }

    /// <returns>The expanded rules, or null and the problems (each with its line) when the file has errors.</returns>
    private (IReadOnlyList<AlertRule>? Rules, IReadOnlyList<string> Problems, string? Sha256) Load(string path)
    {
        string text;
        string sha256;
        try
        {
            // The bytes read are the bytes hashed (the audit's rules record, docs/audit.md#records).
            var bytes = File.ReadAllBytes(path);
            sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
            using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            text = reader.ReadToEnd();
        }
        catch (IOException ex)
        {
            return (null, [$"{path}: {ex.Message}"], null);
        }

        var file = new RulesFileParser(_catalog).Parse(text);
        if (file.HasErrors)
        {
            return (null, [.. file.Problems.Select(p => $"{path}:{p}")], null);
        }

        foreach (var warning in file.Problems)
        {
            LogRuleWarning(_logger, path, warning.ToString());
        }

        var rules = new List<AlertRule>();
        foreach (var rule in file.Rules)
        {
            if (AlertProfiles.TryExpand(rule, out var expanded))
            {
                rules.AddRange(expanded);
            }
            else
            {
                rules.Add(rule);
            }
        }

        return (rules, [], sha256);
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "No alert rules: {Path} not found")]
    private static partial void LogNoRules(ILogger logger, string path);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "{Path}:{Warning}")]
    private static partial void LogRuleWarning(ILogger logger, string path, string warning);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Loaded {Count} alert rule(s) from {Path}")]
    private static partial void LogLoaded(ILogger logger, int count, string path);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Reloaded {Count} alert rule(s) from {Path}")]
    private static partial void LogReloaded(ILogger logger, int count, string path);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Error, Message = "The changed alert rules file {Path} has {Count} problem(s); the rules in force stay:\n{Problems}")]
    private static partial void LogReloadRefused(ILogger logger, string path, int count, string problems);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Warning, Message = "The alert rules file {Path} is gone; the rules in force stay (an empty 'rules: []' removes them)")]
    private static partial void LogFileGone(ILogger logger, string path);
}
