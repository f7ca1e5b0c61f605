using System.CommandLine;
using System.Globalization;
using EcoMonitor.Audit.Log;
using EcoMonitor.Core.Audit;
using EcoMonitor.Ingest.Storage;
using EcoMonitor.Ingest.Storage.Readback;

namespace EcoMonitor.Service.Cli;

public static partial class AuditCommand
{
    private const string VerifyReadingsUsage = "audit verify-readings --site S --from T1 --to T2 [--dir D] [--key VKEY | --key-file F] [--read influxql|victoriametrics] [--Key=Value ...]";

    /// <summary>
    /// Checks the log (as <c>audit verify</c>), then compares the points it vouches for with the
    /// store's (docs/audit.md#verifying-readings): every altered, missing or added point, one line
    /// each. Exit 0 clean, 1 a discrepancy or a log that does not vouch, 2 usage.
    /// </summary>
    private static Command VerifyReadings(Func<IReadOnlyList<string>, IConfiguration> configuration)
    {
        var dir = DirOption();
        var key = new Option<string?>("--key") { Description = "the verifier key (vkey) text" };
        var keyFile = new Option<string?>("--key-file") { Description = "a file holding the verifier key" };
        var site = new Option<string?>("--site") { Description = "the site whose readings are checked" };
        var from = new Option<string?>("--from") { Description = "the first time checked (ISO 8601; a date alone is midnight UTC)" };
        var to = new Option<string?>("--to") { Description = "the last time checked, included" };
        var read = new Option<string?>("--read") { Description = "how the store is read: influxql or victoriametrics (default Influx:ReadApi)" };
        var command = new Command("verify-readings", "Compare a site's stored readings with those the log vouches for; exit 0 clean, 1 discrepancies, 2 usage") { dir, key, keyFile, site, from, to, read };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (StrayToken(parse.UnmatchedTokens) is { } stray)
            {
                await error.WriteLineAsync($"error: unexpected '{stray}'; usage: {VerifyReadingsUsage}");
                return Usage;
            }

            if (parse.GetValue(site) is not { Length: > 0 } siteName || !TryTime(parse.GetValue(from), out var first) || !TryTime(parse.GetValue(to), out var last) || last < first)
            {
                await error.WriteLineAsync($"error: --site, --from and --to are needed (--to not before --from); usage: {VerifyReadingsUsage}");
                return Usage;
            }

            ReadbackApi? api = parse.GetValue(read) switch
            {
                null => null,
                "influxql" => ReadbackApi.InfluxQl,
                "victoriametrics" => ReadbackApi.VictoriaMetrics,
                _ => (ReadbackApi)(-1),
            };
            if (api is (ReadbackApi)(-1))
            {
                await error.WriteLineAsync($"error: --read is influxql or victoriametrics; usage: {VerifyReadingsUsage}");
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
            LoggedReadings logged;
            try
            {
                // Points the log vouches for count only if the log itself is intact and signed.
                var report = LogVerification.Verify(files, verifier);
                if (!report.Ok)
                {
                    foreach (var line in report.Problems)
                    {
                        await output.WriteLineAsync("bad: " + line);
                    }

                    await output.WriteLineAsync("the log does not verify, so it vouches for no readings");
                    return Bad;
                }

                logged = LoggedReadings.Load(files, siteName, first, last);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"error: cannot read {files.Directory}: {ex.Message}");
                return Bad;
            }

            IReadOnlyList<StoredPoint> stored;
            try
            {
                using var store = StoredReadings.Create(settings, api);
                stored = await store.ReadAsync(siteName, first, last, ct);
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or System.Text.Json.JsonException or TaskCanceledException)
            {
                await error.WriteLineAsync($"error: cannot read the store at {settings["Influx:Url"] ?? "Influx:Url"}: {ex.Message}");
                return Bad;
            }

            foreach (var line in logged.Problems)
            {
                await output.WriteLineAsync("bad: " + line);
            }

            var discrepancies = ReadingsComparison.Compare(logged.Expected, stored);
            foreach (var d in discrepancies)
            {
                await output.WriteLineAsync(Describe(d));
            }

            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"audit verify-readings: site {siteName}, {CanonicalJson.FormatTime(first)} to {CanonicalJson.FormatTime(last)}: {logged.Expected.Count} point(s) from {logged.Batches} batch(es) and {logged.Corrections} correction(s) in the log, {stored.Count} stored; {discrepancies.Count} discrepancy(ies), {logged.Problems.Count} problem(s)"));
            return discrepancies.Count == 0 && logged.Problems.Count == 0 ? Clean : Bad;
        });
        return command;
    }

    private static string Describe(Discrepancy d)
    {
        var point = d.Key.ToString();
        return d.Kind switch
        {
            DiscrepancyKind.Altered => string.Create(CultureInfo.InvariantCulture, $"altered: {point}: logged {d.Logged:R}, stored {d.Stored:R}"),
            DiscrepancyKind.Missing => string.Create(CultureInfo.InvariantCulture, $"missing: {point}: logged {d.Logged:R}, not stored"),
            _ => string.Create(CultureInfo.InvariantCulture, $"added: {point}: stored {d.Stored:R}, never logged"),
        };
    }

    private static bool TryTime(string? text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
}
