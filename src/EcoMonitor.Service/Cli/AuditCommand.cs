using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EcoMonitor.Audit.Log;
using EcoMonitor.Audit.Notes;
using EcoMonitor.Runtime.Files;

namespace EcoMonitor.Service.Cli;

/// <summary>
/// <c>audit keygen|verify|prove|verify-readings</c> (docs/cli.md#audit, docs/audit.md#verbs): make
/// the log's key, check a log directory offline, print an inclusion proof, check a store's readings
/// against the log. Exit 0 done or clean, 1 bad (a
/// tampered log, a refused checkpoint, a file that exists), 2 usage.
/// </summary>
public static partial class AuditCommand
{
    public const int Clean = 0;
    public const int Bad = 1;
    public const int Usage = 2;

    /// <param name="configuration">Builds the configuration from <c>--Key=Value</c> tokens; by default the host's.</param>
    public static Command Create(Func<IReadOnlyList<string>, IConfiguration>? configuration = null)
    {
        configuration ??= CheckConfigCommand.HostConfiguration;
        var command = new Command("audit", "The tamper-evident log: make its key, verify a log directory, prove a record's inclusion");
        command.Add(Keygen());
        command.Add(Verify(configuration));
        command.Add(Prove(configuration));
        command.Add(VerifyReadings(configuration));
        return command;
    }

    private static Command Keygen()
    {
        var name = new Option<string?>("--name") { Description = "the log's name (Audit:Origin), e.g. ecomonitor.example.org/audit" };
        var output = new Option<string?>("--out") { Description = "the file to write the signer key to (mode 0600; never overwritten)" };
        var command = new Command("keygen", "Make the log's Ed25519 key: the signer key goes to --out, the verifier key to stdout") { name, output };
        command.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (parse.GetValue(name) is not { Length: > 0 } origin || parse.GetValue(output) is not { Length: > 0 } path)
            {
                await error.WriteLineAsync("error: usage: audit keygen --name ORIGIN --out FILE");
                return Usage;
            }

            NoteKeyPair keys;
            try
            {
                keys = NoteKeys.Generate(origin);
            }
            catch (ArgumentException)
            {
                await error.WriteLineAsync($"error: '{origin}' is not a key name: non-empty, without spaces or '+'");
                return Usage;
            }

            try
            {
                var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
                if (!OperatingSystem.IsWindows())
                {
                    create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                await using var file = new FileStream(path, create);
                await using var writer = new StreamWriter(file);
                await writer.WriteAsync((keys.SignerKey + "\n").AsMemory(), ct);
                await writer.FlushAsync(ct);
                file.Flush(flushToDisk: true);
            }
            catch (IOException) when (File.Exists(path))
            {
                await error.WriteLineAsync($"error: {path} exists; a key is never overwritten (move it away first)");
                return Bad;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"error: cannot write {path}: {ex.Message}");
                return Bad;
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync(keys.VerifierKey);
            return Clean;
        });
        return command;
    }

    private static Command Verify(Func<IReadOnlyList<string>, IConfiguration> configuration)
    {
        var dir = DirOption();
        var key = new Option<string?>("--key") { Description = "the verifier key (vkey) text" };
        var keyFile = new Option<string?>("--key-file") { Description = "a file holding the verifier key" };
        var command = new Command("verify", "Recompute the tree from log.jsonl and check every checkpoint against it; exit 0 clean, 1 bad, 2 usage") { dir, key, keyFile };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (StrayToken(parse.UnmatchedTokens) is { } stray)
            {
                await error.WriteLineAsync($"error: unexpected '{stray}'; usage: audit verify [--dir D] [--key VKEY | --key-file F]");
                return Usage;
            }

            var settings = configuration(parse.UnmatchedTokens);
            var (verifier, problem) = VerifierKey(parse.GetValue(key), parse.GetValue(keyFile), settings);
            if (verifier is null)
            {
                await error.WriteLineAsync("error: " + problem);
                return Usage;
            }

            var files = Files(parse.GetValue(dir), settings);
            VerificationReport report;
            try
            {
                report = LogVerification.Verify(files, verifier);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"error: cannot read {files.Log}: {ex.Message}");
                return Bad;
            }

            if (!report.Ok)
            {
                foreach (var line in report.Problems)
                {
                    await output.WriteLineAsync("bad: " + line);
                }

                return Bad;
            }

            await output.WriteLineAsync($"audit verify: {files.Directory}: {report.Records} record(s), {report.Checkpoints} checkpoint(s) verified; root {Convert.ToBase64String(report.Root)} at size {report.Records}");
            return Clean;
        });
        return command;
    }

    private static Command Prove(Func<IReadOnlyList<string>, IConfiguration> configuration)
    {
        var dir = DirOption();
        var index = new Option<string?>("--index") { Description = "the record's index (0 is the first line)" };
        var size = new Option<string?>("--size") { Description = "the tree size to prove in (default: every record of the log)" };
        var command = new Command("prove", "Print the inclusion proof of a record as JSON") { dir, index, size };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (StrayToken(parse.UnmatchedTokens) is not null || !TryNumber(parse.GetValue(index), out var leaf) || (parse.GetValue(size) is { } text && !TryNumber(text, out _)))
            {
                await error.WriteLineAsync("error: usage: audit prove --index N [--size S] [--dir D]");
                return Usage;
            }

            var files = Files(parse.GetValue(dir), configuration(parse.UnmatchedTokens));
            LoadedLog log;
            try
            {
                log = LoadedLog.Read(files);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"error: cannot read {files.Log}: {ex.Message}");
                return Bad;
            }

            var treeSize = TryNumber(parse.GetValue(size), out var s) ? s : log.Records;
            if (treeSize > log.Records || leaf >= treeSize)
            {
                await error.WriteLineAsync($"error: the log has {log.Records} record(s); --index must be below --size, and --size at most that");
                return Bad;
            }

            var proof = log.Prover.Inclusion(leaf, treeSize);
            var json = JsonSerializer.Serialize(new
            {
                index = leaf,
                size = treeSize,
                leaf = Convert.ToBase64String(log.Leaf(leaf)),
                hashes = proof.Path.Select(Convert.ToBase64String).ToArray(),
                root = Convert.ToBase64String(log.Prover.Root(treeSize)),
            });
            await parse.InvocationConfiguration.Output.WriteLineAsync(json);
            return Clean;
        });
        return command;
    }

    private static Option<string?> DirOption() =>
        new("--dir") { Description = "the log directory (default: DataDirectory/audit of the configuration)" };

    private static AuditFiles Files(string? dir, IConfiguration configuration)
    {
        if (dir is { Length: > 0 })
        {
            return new AuditFiles(dir);
        }

        var data = new DataDirectoryOptions();
        configuration.Bind(data);
        return new AuditFiles(Path.Combine(Path.GetFullPath(data.DataDirectory), AuditFiles.DirectoryName));
    }

    /// <summary>From --key, --key-file, else derived from Audit:SigningKeyFile (its public half).</summary>
    private static (NoteVerifier? Key, string? Problem) VerifierKey(string? key, string? keyFile, IConfiguration configuration)
    {
        if (key is not null && keyFile is not null)
        {
            return (null, "give --key or --key-file, not both");
        }

        string text;
        if (key is not null)
        {
            text = key;
        }
        else if (keyFile is not null)
        {
            try
            {
                text = File.ReadAllText(keyFile).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return (null, $"cannot read --key-file {keyFile}: {ex.Message}");
            }
        }
        else if (configuration[$"{AuditOptions.Section}:{nameof(AuditOptions.SigningKeyFile)}"] is { Length: > 0 } signing)
        {
            var (signer, problem) = AuditKeyFile.TryRead(signing);
            using (signer)
            {
                if (signer is null)
                {
                    return (null, problem);
                }

                text = signer.VerifierKey;
            }
        }
        else
        {
            return (null, "no verifier key: give --key VKEY or --key-file F (or configure Audit:SigningKeyFile)");
        }

        try
        {
            return (NoteVerifier.Parse(text), null);
        }
        catch (FormatException ex)
        {
            return (null, "the verifier key is not one: " + ex.Message);
        }
    }

    // Configuration is --Key=Value or --Key Value; anything else is a mistake.
    private static string? StrayToken(IReadOnlyList<string> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            if (!tokens[i].StartsWith("--", StringComparison.Ordinal))
            {
                return tokens[i];
            }

            if (!tokens[i].Contains('=', StringComparison.Ordinal))
            {
                i++;
            }
        }

        return null;
    }

    private static bool TryNumber(string? text, out ulong value) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
