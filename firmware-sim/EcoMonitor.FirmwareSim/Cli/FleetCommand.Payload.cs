using System.CommandLine;
using System.CommandLine.Parsing;
using EcoMonitor.FirmwareSim.Fleet;

namespace EcoMonitor.FirmwareSim.Cli;

/// <summary>The payload options: <c>--format</c>, <c>--faults</c> and <c>--fault-every</c> (README "Formats", "Faults").</summary>
internal static partial class FleetCommand
{
    /// <summary>
    /// Adds <c>--format</c> and <c>--faults</c> to <paramref name="root"/>, and <c>--fault-every</c> as another name of
    /// <paramref name="invalidEvery"/> (the rate of every fault kind, accepted or not); the result copies the values
    /// onto a <see cref="FleetOptions"/>.
    /// </summary>
    private static PayloadOptions AddPayloadOptions(RootCommand root, Option<int> invalidEvery)
    {
        var defaults = new FleetOptions();
        var payload = new PayloadOptions(
            new Option<PayloadFormat>("--format")
            {
                Description = $"Payload format of data messages; sensor-community applies to air nodes, the others then send native [default: {PayloadFormatNames.Name(defaults.Format)}]",
                HelpName = string.Join('|', PayloadFormatNames.AllNames),
                CustomParser = ParseFormat,
            },
            new Option<IReadOnlyList<FaultKind>>("--faults")
            {
                Description = $"Fault kinds that --fault-every cycles through, comma-separated, or all: {string.Join(", ", FaultKinds.AllNames)} [default: {string.Join(',', defaults.Faults.Select(FaultKinds.Name))}]",
                HelpName = "kind,kind",
                CustomParser = ParseFaults,
            });

        invalidEvery.Aliases.Add("--fault-every");
        invalidEvery.Description = "Every Nth message of the fleet carries a fault from --faults; 0 = never";
        root.Validators.Add(result =>
        {
            // A --scenario file may give the rate (faults.every); then the merged options decide.
            if (result.GetResult(payload.Faults) is not null && result.GetValue(invalidEvery) == 0 && result.GetResult("--scenario") is null)
            {
                result.AddError("--faults needs --fault-every N (N > 0), or no message carries a fault.");
            }
        });

        root.Options.Add(payload.Format);
        root.Options.Add(payload.Faults);
        return payload;
    }

    private static PayloadFormat ParseFormat(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
        if (PayloadFormatNames.TryParse(text, out var format))
        {
            return format;
        }

        result.AddError($"'{text}' is not a payload format; use one of: {string.Join(", ", PayloadFormatNames.AllNames)}.");
        return default;
    }

    private static IReadOnlyList<FaultKind> ParseFaults(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
        if (FaultKinds.ParseList(text, out var error) is { } kinds)
        {
            return kinds;
        }

        result.AddError($"--faults: {error}.");
        return FaultKinds.Default;
    }

    private sealed record PayloadOptions(Option<PayloadFormat> Format, Option<IReadOnlyList<FaultKind>> Faults)
    {
        /// <summary>Options not given keep the values of <paramref name="options"/> (a scenario's, or the defaults).</summary>
        public FleetOptions ApplyTo(FleetOptions options, ParseResult parseResult) => options with
        {
            Format = parseResult.GetResult(Format) is null ? options.Format : parseResult.GetValue(Format),
            Faults = parseResult.GetValue(Faults) ?? options.Faults,
        };
    }
}
