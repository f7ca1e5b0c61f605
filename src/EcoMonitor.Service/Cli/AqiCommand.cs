using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using EcoMonitor.Core.Alerting.AirQuality;

namespace EcoMonitor.Service.Cli;

/// <summary>
/// <c>aqi --standard S name=value... [--json]</c> (docs/cli.md#aqi): the air quality index of the given concentrations,
/// with each input's sub-index, the level, category, colour and primary pollutant(s). Exit 0 when computed
/// (even if no input has a sub-index: the AQI is then null), 1 on bad input, every problem listed on stderr.
/// </summary>
public static class AqiCommand
{
    public const int Computed = 0;
    public const int BadInput = 1;

    // Chinese category names stay readable in the JSON instead of becoming \uXXXX escapes.
    private static readonly JsonWriterOptions JsonOptions = new() { Indented = true, Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    public static Command Create()
    {
        var standard = new Option<string>("--standard")
        {
            Description = "the standard: hj633-2026 (China, from 2026-03-01), hj633-2012 (China, before), epa-2024 (US EPA, May 2024)",
            Required = true,
        };
        standard.AcceptOnlyFromAmong([.. AqiStandards.Names]);
        var json = new Option<bool>("--json") { Description = "print one JSON object instead of a table" };
        var concentrations = new Argument<string[]>("concentrations")
        {
            Description = "name=value pairs in the standard's units, e.g. pm25_24h=35 o3_8h=120 "
                + "(HJ 633: \u00b5g/m\u00b3, CO mg/m\u00b3; EPA: PM \u00b5g/m\u00b3, O3 and CO ppm, SO2 and NO2 ppb)",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("aqi", "Compute the air quality index of pollutant concentrations") { standard, json, concentrations };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (!AqiStandards.TryParse(parse.GetRequiredValue(standard), out var chosen))
            {
                // AcceptOnlyFromAmong refuses it first; kept so a parser change cannot make this silent.
                await error.WriteLineAsync($"error: --standard must be one of {string.Join(", ", AqiStandards.Names)}");
                return BadInput;
            }

            var (inputs, problems) = ParsePairs(parse.GetValue(concentrations) ?? []);
            AqiResult? result = null;

            // The well-formed pairs are still checked when others are not, so every problem is listed at once.
            if (inputs.Count > 0 || problems.Count == 0)
            {
                try
                {
                    result = AqiCalculator.Calculate(chosen, inputs);
                }
                catch (AqiInputException ex)
                {
                    problems.AddRange(ex.Problems);
                }
            }

            if (result is null || problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    await error.WriteLineAsync($"error: {problem}");
                }

                return BadInput;
            }

            await output.WriteAsync(parse.GetValue(json) ? ToJson(result) : ToTable(result));
            return Computed;
        });
        return command;
    }

    /// <summary>
    /// <c>name=value</c> tokens into concentrations. Values are parsed straight to decimal, so the standards'
    /// rounding sees exactly what was typed; NaN and infinities are refused with a reason of their own.
    /// </summary>
    public static (List<KeyValuePair<string, decimal>> Inputs, List<string> Problems) ParsePairs(IEnumerable<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var inputs = new List<KeyValuePair<string, decimal>>();
        var problems = new List<string>();
        foreach (var token in tokens)
        {
            var equals = token.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                problems.Add($"'{token}': expected name=value, e.g. pm25_24h=35");
                continue;
            }

            var name = token[..equals].Trim();
            var text = token[(equals + 1)..].Trim();
            if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                inputs.Add(new(name, value));
            }
            else if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                // Not a decimal but a double: NaN, an infinity, or a magnitude beyond decimal's range.
                _ = AqiCalculator.TryConvert(number, out _, out var problem);
                problems.Add($"{name}: {problem ?? $"'{text}' is out of range"}");
            }
            else
            {
                problems.Add($"{name}: '{text}' is not a number");
            }
        }

        return (inputs, problems);
    }

    public static string ToJson(AqiResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("standard", result.Standard.Name());
            WriteNumberOrNull(writer, "aqi", result.Aqi);
            WriteNumberOrNull(writer, "level", result.Band?.Level);
            writer.WriteString("levelName", result.Band?.LevelName);
            writer.WriteString("category", result.Band?.Category);
            writer.WriteString("categoryZh", result.Band?.CategoryZh);
            writer.WriteString("color", result.Band?.Color.Hex);
            writer.WriteString("colorName", result.Band?.ColorName);
            if (result.Band is { } band)
            {
                writer.WriteStartArray("colorRgb");
                writer.WriteNumberValue(band.Color.R);
                writer.WriteNumberValue(band.Color.G);
                writer.WriteNumberValue(band.Color.B);
                writer.WriteEndArray();
            }
            else
            {
                writer.WriteNull("colorRgb");
            }

            WriteNames(writer, "primary", result.Primary);
            WriteNames(writer, "nonAttainment", result.NonAttainment);
            writer.WriteStartObject("iaqi");
            foreach (var sub in result.SubIndices)
            {
                WriteNumberOrNull(writer, sub.Name, sub.Iaqi);
            }

            writer.WriteEndObject();
            writer.WriteStartArray("inputs");
            foreach (var sub in result.SubIndices)
            {
                writer.WriteStartObject();
                writer.WriteString("name", sub.Name);
                writer.WriteString("pollutant", sub.Pollutant.Pollutant);
                writer.WriteString("averaging", sub.Pollutant.Averaging);
                writer.WriteString("unit", sub.Pollutant.Unit);
                writer.WriteNumber("concentration", sub.Concentration);
                writer.WriteNumber("used", sub.Used);
                WriteNumberOrNull(writer, "iaqi", sub.Iaqi);
                writer.WriteString("note", sub.Note);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    public static string ToTable(AqiResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var rows = result.SubIndices
            .Select(s => (
                Input: $"{s.Name} ({s.Pollutant.Label})",
                Concentration: Invariant($"{s.Concentration} {s.Pollutant.Unit}"),
                Used: Invariant($"{s.Used}"),
                Iaqi: s.Iaqi?.ToString(CultureInfo.InvariantCulture) ?? "-",
                Note: s.Note ?? string.Empty))
            .ToList();
        var header = (Input: "input", Concentration: "concentration", Used: "used", Iaqi: "IAQI", Note: "note");
        var wInput = rows.Select(r => r.Input.Length).Append(header.Input.Length).Max();
        var wConcentration = rows.Select(r => r.Concentration.Length).Append(header.Concentration.Length).Max();
        var wUsed = rows.Select(r => r.Used.Length).Append(header.Used.Length).Max();
        var text = new StringBuilder();
        foreach (var row in rows.Prepend(header))
        {
            text.Append(row.Input.PadRight(wInput)).Append("  ")
                .Append(row.Concentration.PadLeft(wConcentration)).Append("  ")
                .Append(row.Used.PadLeft(wUsed)).Append("  ")
                .Append(row.Iaqi.PadLeft(4));
            if (row.Note.Length > 0)
            {
                text.Append("  ").Append(row.Note);
            }

            text.Append('\n');
        }

        text.Append('\n');
        Line(text, "standard", result.Standard.Name());
        Line(text, "AQI", result.Aqi?.ToString(CultureInfo.InvariantCulture) ?? "none (no input has a sub-index)");
        if (result.Band is { } band)
        {
            Line(text, "level", band.LevelName is null ? Invariant($"{band.Level}") : Invariant($"{band.Level} ({band.LevelName})"));
            Line(text, "category", $"{band.CategoryZh} / {band.Category}");
            Line(text, "colour", Invariant($"{band.ColorName} {band.Color.Hex} (RGB {band.Color.R}, {band.Color.G}, {band.Color.B})"));
        }

        Line(text, "primary", result.Primary.Count == 0
            ? (result.Standard != AqiStandard.Epa2024 && result.Aqi is not null ? "none (AQI \u2264 50)" : "none")
            : string.Join(", ", result.Primary.Select(n => $"{n} ({result[n].Pollutant.Label})")));
        if (result.NonAttainment is { } over)
        {
            Line(text, "non-attainment", over.Count == 0 ? "none" : string.Join(", ", over));
        }

        return text.ToString();
    }

    private static void Line(StringBuilder text, string label, string value) =>
        text.Append((label + ":").PadRight(16)).Append(value).Append('\n');

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    private static void WriteNumberOrNull(Utf8JsonWriter writer, string name, int? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static void WriteNames(Utf8JsonWriter writer, string name, IReadOnlyList<string>? names)
    {
        if (names is null)
        {
            writer.WriteNull(name);
            return;
        }

        writer.WriteStartArray(name);
        foreach (var n in names)
        {
            writer.WriteStringValue(n);
        }

        writer.WriteEndArray();
    }
}
