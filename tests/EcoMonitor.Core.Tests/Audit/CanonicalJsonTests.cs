using System.Text;
using EcoMonitor.Core.Audit;
using Xunit;

namespace EcoMonitor.Core.Tests.Audit;

public sealed class CanonicalJsonTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 3, 8, 30, 0, 123, TimeSpan.FromHours(8));

    [Fact]
    public void Keys_are_sorted_at_every_level_times_are_utc_milliseconds_and_numbers_are_shortest()
    {
        var record = new AuditRecord(AuditRecordTypes.Alert, At, new Dictionary<string, object?>
        {
            ["value"] = 86.4,
            ["threshold"] = 75.0,
            ["series"] = new Dictionary<string, object?> { ["site"] = "bj-chaoyang", ["device"] = "air-01", ["kind"] = "air" },
            ["count"] = 3,
            ["sites"] = new Dictionary<string, long> { ["b"] = 2, ["a"] = 1 },
            ["list"] = new object?[] { "x", null, true, 0.1 },
            ["Zeta"] = "upper before lower",
        });

        var text = Encoding.UTF8.GetString(CanonicalJson.Serialize(record));

        Assert.Equal(
            """{"Zeta":"upper before lower","at":"2026-12-03T00:30:00.123Z","count":3,"list":["x",null,true,0.1],"series":{"device":"air-01","kind":"air","site":"bj-chaoyang"},"sites":{"a":1,"b":2},"threshold":75,"type":"alert","value":86.4}""",
            text);
    }

    [Fact]
    public void The_same_record_gives_the_same_bytes_whatever_the_order_it_was_built_in()
    {
        var one = new AuditRecord("ack", At, new Dictionary<string, object?> { ["officer"] = "li", ["comment"] = "已核实 \"ok\"" });
        var two = new AuditRecord("ack", At, new Dictionary<string, object?> { ["comment"] = "已核实 \"ok\"", ["officer"] = "li" });

        Assert.Equal(CanonicalJson.Serialize(one), CanonicalJson.Serialize(two));
        Assert.Contains("已核实 \\\"ok\\\"", Encoding.UTF8.GetString(CanonicalJson.Serialize(one)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_may_not_shadow_type_or_at_and_an_unknown_value_type_is_refused()
    {
        Assert.Throws<ArgumentException>(() => CanonicalJson.Serialize(new AuditRecord("x", At, new Dictionary<string, object?> { ["type"] = "y" })));
        Assert.Throws<ArgumentException>(() => CanonicalJson.Serialize(new AuditRecord("x", At, new Dictionary<string, object?> { ["v"] = new Uri("http://x") })));
    }
}
