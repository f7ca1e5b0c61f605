using System.Globalization;
using EcoMonitor.Core.Alerting.AirQuality;
using EcoMonitor.Sensors;

namespace EcoMonitor.Service.Page;

/// <summary>One HJ 633 level as the legend shows it (HJ 633—2012 Table 2; the 2026 edition keeps the levels).</summary>
public sealed record AqiLevel(int Level, string Range, string Colour, string CategoryZh, string CategoryEn, string EffectsZh, string EffectsEn, string AdviceZh, string AdviceEn);

/// <summary>
/// The colours and classes of the AQI and water-class chips (docs/page.md#chips). The colours are
/// in site.css (AQI, fixed by the standards) and in the generated palette.css (water, configurable),
/// never in a style attribute: the page's CSP forbids inline style.
/// </summary>
public static class Chips
{
    /// <summary>The six levels with their HJ 633 colours (black text on the first four, white on the last two, in site.css).</summary>
    public static IReadOnlyList<AqiLevel> Levels { get; } =
    [
        new(1, "0–50", "#00E400", "优", "Excellent", "空气质量令人满意，基本无空气污染", "Air quality is satisfactory; there is hardly any air pollution.",
            "各类人群可正常活动", "Everyone can carry on as usual."),
        new(2, "51–100", "#FFFF00", "良", "Good", "空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响",
            "Air quality is acceptable, but some pollutants may slightly affect a very small number of unusually sensitive people.",
            "极少数异常敏感人群应减少户外活动", "Unusually sensitive people should reduce outdoor activity."),
        new(3, "101–150", "#FF7E00", "轻度污染", "Lightly polluted", "易感人群症状有轻度加剧，健康人群出现刺激症状",
            "Symptoms of susceptible people worsen slightly; healthy people notice irritation.",
            "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼",
            "Children, the elderly and people with heart or respiratory disease should reduce long or strenuous outdoor exercise."),
        new(4, "151–200", "#FF0000", "中度污染", "Moderately polluted", "进一步加剧易感人群症状，可能对健康人群心脏、呼吸系统有影响",
            "Symptoms of susceptible people worsen further; the heart and lungs of healthy people may be affected.",
            "儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，一般人群适量减少户外运动",
            "Children, the elderly and people with heart or respiratory disease should avoid long or strenuous outdoor exercise; everyone else should reduce it."),
        new(5, "201–300", "#99004C", "重度污染", "Heavily polluted", "心脏病和肺病患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状",
            "Symptoms of people with heart or lung disease worsen markedly and exercise tolerance falls; healthy people commonly show symptoms.",
            "儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动，一般人群减少户外运动",
            "Children, the elderly and people with heart or lung disease should stay indoors and stop outdoor exercise; everyone else should reduce it."),
        new(6, "> 300", "#7E0023", "严重污染", "Severely polluted", "健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病",
            "Healthy people's exercise tolerance falls, with marked strong symptoms; some illnesses appear early.",
            "儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动",
            "Children, the elderly and the sick should stay indoors and avoid exertion; everyone else should avoid outdoor activity."),
    ];

    /// <summary>The class of an AQI chip: <c>aqi-1</c>…<c>aqi-6</c> (HJ 633), <c>aqi-us-1</c>… (EPA), <c>aqi-na</c>.</summary>
    public static string AqiClass(AqiView aqi)
    {
        ArgumentNullException.ThrowIfNull(aqi);
        if (aqi.Value is null || aqi.Level is not (>= 1 and <= 6) || aqi.Level is not { } level)
        {
            return "chip aqi aqi-na";
        }

        return aqi.Standard == AqiStandards.Epa2024Name ? $"chip aqi aqi-us-{level}" : $"chip aqi aqi-{level}";
    }

    public static string WaterClass(int waterClass) => $"chip water water-{Math.Clamp(waterClass, 1, 6)}";

    /// <summary>The numeral of a class: Ⅰ…Ⅴ, 劣Ⅴ.</summary>
    public static string Numeral(int waterClass) => waterClass switch
    {
        1 => "Ⅰ", 2 => "Ⅱ", 3 => "Ⅲ", 4 => "Ⅳ", 5 => "Ⅴ", _ => "劣Ⅴ",
    };

    /// <summary>The stylesheet of the water chips from <c>Ui:WaterPalette</c>: text black or white, whichever contrasts more.</summary>
    public static string PaletteCss(IReadOnlyDictionary<int, string> palette)
    {
        ArgumentNullException.ThrowIfNull(palette);
        var css = new System.Text.StringBuilder("/* Water class chips (GB 3838-2002), from Ui:WaterPalette; docs/page.md#chips */\n");
        foreach (var (cls, colour) in palette.OrderBy(kv => kv.Key))
        {
            css.Append(CultureInfo.InvariantCulture, $".water-{cls}, .swatch-water-{cls} {{ background-color: {colour}; color: {TextOn(colour)}; }}\n");
        }

        return css.ToString();
    }

    /// <summary>Black or white text on <paramref name="hex"/> (#RRGGBB), by the WCAG contrast ratio.</summary>
    public static string TextOn(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        double Channel(int i)
        {
            var c = int.Parse(hex.AsSpan(1 + (2 * i), 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0;
            return c <= 0.03928 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
        }

        var luminance = (0.2126 * Channel(0)) + (0.7152 * Channel(1)) + (0.0722 * Channel(2));
        var onBlack = (luminance + 0.05) / 0.05;
        var onWhite = 1.05 / (luminance + 0.05);
        return onBlack >= onWhite ? "#000000" : "#FFFFFF";
    }

    /// <summary>The points of a 24 h sparkline in a <paramref name="width"/> × <paramref name="height"/> box, or null with fewer than two means.</summary>
    public static string? SparkPoints(IReadOnlyList<HourlyMean> hourly, double width, double height)
    {
        ArgumentNullException.ThrowIfNull(hourly);
        if (hourly.Count < 2)
        {
            return null;
        }

        var min = hourly.Min(h => h.Mean);
        var max = hourly.Max(h => h.Mean);
        var span = max - min;
        var step = width / (hourly.Count - 1);
        return string.Join(' ', hourly.Select((h, i) =>
        {
            var y = span <= 0 ? height / 2 : height - 1 - ((h.Mean - min) / span * (height - 2));
            return string.Create(CultureInfo.InvariantCulture, $"{i * step:0.#},{y:0.#}");
        }));
    }

    /// <summary>A value as the page writes it: up to three significant decimals, invariant.</summary>
    public static string Number(double value) =>
        double.IsFinite(value) ? value.ToString(Math.Abs(value) >= 100 ? "0.#" : "0.###", CultureInfo.InvariantCulture) : "NA";
}
