using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Feed.Cap;

/// <summary>
/// The words of the feed's CAP messages in Chinese and English, and the mappings of docs/feed.md#mapping:
/// severity, categories, event codes of the OASIS Event Terms List, the event names, the metrics' names
/// and the advice.
/// </summary>
internal static class CapVocabulary
{
    public const string Chinese = "zh-CN";
    public const string English = "en";

    /// <summary>
    /// CAP severity of a rule severity: critical → Severe, warning → Moderate, info → Minor. Extreme
    /// ("extraordinary threat to life or property") is left to a human publisher.
    /// </summary>
    public static string Severity(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Critical => "Severe",
        AlertSeverity.Warning => "Moderate",
        _ => "Minor",
    };

    /// <summary>Env for every kind; Health as well for air (docs/feed.md#mapping).</summary>
    public static IReadOnlyList<string> Categories(SensorKind kind) => kind == SensorKind.Air ? ["Env", "Health"] : ["Env"];

    /// <summary>OET-004 air quality, OET-047 contaminated water, OET-075 environmental issue (soil: the list has no soil term).</summary>
    public static string EventCode(SensorKind kind) => kind switch
    {
        SensorKind.Air => "OET-004",
        SensorKind.Water => "OET-047",
        _ => "OET-075",
    };

    /// <summary>The CAP event (under 35 characters).</summary>
    public static string Event(SensorKind kind, string language) => (kind, language == Chinese) switch
    {
        (SensorKind.Air, true) => "空气污染",
        (SensorKind.Air, false) => "Air pollution",
        (SensorKind.Water, true) => "水污染",
        (SensorKind.Water, false) => "Water pollution",
        (_, true) => "土壤污染",
        _ => "Soil pollution",
    };

    /// <summary>The public name of a catalog metric; the metric's own name when it has none here.</summary>
    public static string Metric(string? metric, string language)
    {
        if (metric is null)
        {
            return language == Chinese ? "监测值" : "readings";
        }

        return Names.TryGetValue(metric, out var names) ? (language == Chinese ? names.Zh : names.En) : metric;
    }

    /// <summary>What to do while a warning of <paramref name="kind"/> is in force; for AQI levels, HJ 633 Table 2's advice.</summary>
    public static string? Advice(SensorKind kind, int? aqiLevel, string language)
    {
        var zh = language == Chinese;
        if (aqiLevel is { } level)
        {
            return level switch
            {
                <= 2 => null,
                3 => zh ? "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼。" : "Children, older people and people with heart or respiratory disease should reduce prolonged or heavy outdoor exercise.",
                4 => zh ? "儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，一般人群适量减少户外运动。" : "Children, older people and people with heart or respiratory disease should avoid prolonged or heavy outdoor exercise; everyone else should reduce outdoor exercise.",
                5 => zh ? "儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动，一般人群减少户外运动。" : "Children, older people and people with heart or lung disease should stay indoors and stop outdoor exercise; everyone else should reduce outdoor exercise.",
                _ => zh ? "儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动。" : "Children, older people and the sick should stay indoors and avoid physical exertion; everyone else should avoid outdoor activity.",
            };
        }

        return kind switch
        {
            SensorKind.Air => zh ? "敏感人群应减少户外活动。" : "Sensitive groups should reduce outdoor activity.",
            SensorKind.Water => zh ? "解除前请勿饮用或接触该水体。" : "Do not drink or touch the water until the all-clear.",
            _ => zh ? "解除前请避免接触该处土壤，勿在此种植或采收食物。" : "Avoid contact with the soil and do not grow or harvest food there until the all-clear.",
        };
    }

    private static readonly Dictionary<string, (string Zh, string En)> Names = new(StringComparer.Ordinal)
    {
        ["aqi"] = ("空气质量指数", "air quality index"),
        ["pm25"] = ("PM2.5", "PM2.5"),
        ["pm10"] = ("PM10", "PM10"),
        ["pm1"] = ("PM1", "PM1"),
        ["so2"] = ("二氧化硫", "sulphur dioxide"),
        ["no2"] = ("二氧化氮", "nitrogen dioxide"),
        ["o3"] = ("臭氧", "ozone"),
        ["co"] = ("一氧化碳", "carbon monoxide"),
        ["co2"] = ("二氧化碳", "carbon dioxide"),
        ["noise"] = ("噪声", "noise"),
        ["ph"] = ("pH", "pH"),
        ["do"] = ("溶解氧", "dissolved oxygen"),
        ["turbidity"] = ("浊度", "turbidity"),
        ["conductivity"] = ("电导率", "conductivity"),
        ["nh3n"] = ("氨氮", "ammonia nitrogen"),
        ["codmn"] = ("高锰酸盐指数", "permanganate index"),
        ["cod"] = ("化学需氧量", "chemical oxygen demand"),
        ["tp"] = ("总磷", "total phosphorus"),
        ["tn"] = ("总氮", "total nitrogen"),
        ["cd"] = ("镉", "cadmium"),
        ["hg"] = ("汞", "mercury"),
        ["as"] = ("砷", "arsenic"),
        ["pb"] = ("铅", "lead"),
        ["cr"] = ("铬", "chromium"),
        ["cu"] = ("铜", "copper"),
        ["ni"] = ("镍", "nickel"),
        ["zn"] = ("锌", "zinc"),
        ["temperature"] = ("温度", "temperature"),
        ["humidity"] = ("湿度", "humidity"),
        ["moisture"] = ("含水量", "moisture"),
        ["ec"] = ("电导率", "conductivity"),
    };
}
