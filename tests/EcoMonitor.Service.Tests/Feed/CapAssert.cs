using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using EcoMonitor.Service.Tests.Fixtures;

namespace EcoMonitor.Service.Tests.Feed;

/// <summary>
/// What a CAP validator checks: the OASIS CAP 1.2 schema (Schema/CAP-v1.2.xsd, with
/// <see cref="XmlSchemaSet"/>), and the rules beyond it that aggregators apply (docs/feed.md#rules):
/// time format, identifiers, one info per language with the same categories and event codes,
/// expires, and references only on updates. Also the Atom index's shape (RFC 4287).
/// </summary>
internal static partial class CapAssert
{
    public static readonly XNamespace Cap = "urn:oasis:names:tc:emergency:cap:1.2";
    public static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    private static readonly Lazy<XmlSchemaSet> Schema = new(() =>
    {
        var set = new XmlSchemaSet();
        var path = Path.Combine(ServiceProcess.RepositoryRoot().FullName, "tests", "EcoMonitor.Service.Tests", "Feed", "Schema", "CAP-v1.2.xsd");
        using var reader = XmlReader.Create(path);
        set.Add("urn:oasis:names:tc:emergency:cap:1.2", reader);
        set.Compile();
        return set;
    });

    /// <summary>Validates <paramref name="bytes"/> against the schema and the rules; returns the parsed alert.</summary>
    public static XElement Valid(byte[] bytes)
    {
        var problems = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = Schema.Value };
        settings.ValidationFlags |= XmlSchemaValidationFlags.ReportValidationWarnings;
        settings.ValidationEventHandler += (_, e) => problems.Add($"{e.Severity}: {e.Message} (line {e.Exception?.LineNumber})");
        using (var reader = XmlReader.Create(new MemoryStream(bytes), settings))
        {
            while (reader.Read())
            {
                // Reading validates.
            }
        }

        Assert.True(problems.Count == 0, "not valid CAP 1.2: " + string.Join("; ", problems));
        var alert = XDocument.Load(new MemoryStream(bytes)).Root!;
        Rules(alert);
        return alert;
    }

    public static string Text(XElement element, string name) => element.Element(Cap + name)?.Value ?? throw new Xunit.Sdk.XunitException($"no <{name}>");

    /// <summary>The info of <paramref name="language"/>.</summary>
    public static XElement Info(XElement alert, string language) => alert.Elements(Cap + "info").Single(i => Text(i, "language") == language);

    public static string Parameter(XElement info, string name) =>
        info.Elements(Cap + "parameter").Single(p => Text(p, "valueName") == name).Element(Cap + "value")!.Value;

    /// <summary>The reference triplets of an alert, or none.</summary>
    public static IReadOnlyList<string> References(XElement alert) =>
        alert.Element(Cap + "references")?.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];

    /// <summary>The triplet another message uses to reference <paramref name="alert"/>.</summary>
    public static string Triplet(XElement alert) => $"{Text(alert, "sender")},{Text(alert, "identifier")},{Text(alert, "sent")}";

    private static void Rules(XElement alert)
    {
        foreach (var time in alert.Descendants().Where(e => e.Name.LocalName is "sent" or "effective" or "onset" or "expires"))
        {
            Assert.Matches(CapTime(), time.Value);
            Assert.False(time.Value.EndsWith("+00:00", StringComparison.Ordinal), $"UTC must be written -00:00: {time.Value}");
        }

        foreach (var name in new[] { "identifier", "sender" })
        {
            Assert.Matches(CapToken(), Text(alert, name));
        }

        Assert.Equal(("Actual", "Public"), (Text(alert, "status"), Text(alert, "scope")));
        var infos = alert.Elements(Cap + "info").ToList();
        Assert.Equal(["zh-CN", "en"], infos.Select(i => Text(i, "language")));
        Assert.All(infos, i =>
        {
            Assert.NotNull(i.Element(Cap + "expires"));
            Assert.NotNull(i.Element(Cap + "description"));
            Assert.NotNull(i.Element(Cap + "area")?.Element(Cap + "areaDesc"));
            Assert.True(Text(i, "headline").Length < 140, "headline under 140 characters");
            Assert.True(Text(i, "event").Length < 35, "event under 35 characters");
            Assert.DoesNotContain('<', i.Value);
        });
        Assert.Single(infos.Select(i => string.Join(' ', i.Elements(Cap + "category").Select(c => c.Value))).Distinct());
        Assert.Single(infos.Select(i => string.Join(' ', i.Elements(Cap + "eventCode").Select(c => c.Value))).Distinct());
        Assert.All(infos, i => Assert.Equal("OET:v1.2", i.Element(Cap + "eventCode")!.Element(Cap + "valueName")!.Value));
        var references = References(alert);
        if (Text(alert, "msgType") == "Alert")
        {
            Assert.Empty(references);
        }
        else
        {
            Assert.NotEmpty(references);
            var sent = DateTimeOffset.Parse(Text(alert, "sent"), System.Globalization.CultureInfo.InvariantCulture);
            Assert.All(references, r =>
            {
                var parts = r.Split(',');
                Assert.Equal(3, parts.Length);
                Assert.NotEqual(Text(alert, "identifier"), parts[1]);
                Assert.True(DateTimeOffset.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) <= sent, "a reference is never sent later than the message");
            });
        }
    }

    /// <summary>The Atom index: RFC 4287's required elements, and an alternate link of type application/cap+xml per entry.</summary>
    public static XElement AtomIndex(byte[] bytes)
    {
        var feed = XDocument.Load(new MemoryStream(bytes)).Root!;
        Assert.Equal(Atom + "feed", feed.Name);
        foreach (var name in new[] { "id", "title", "updated" })
        {
            Assert.False(string.IsNullOrWhiteSpace(feed.Element(Atom + name)?.Value), $"feed/{name}");
        }

        Assert.NotNull(feed.Element(Atom + "author")?.Element(Atom + "name"));
        Assert.Matches(CapTime(), feed.Element(Atom + "updated")!.Value);
        Assert.All(feed.Elements(Atom + "entry"), e =>
        {
            foreach (var name in new[] { "id", "title", "updated" })
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Element(Atom + name)?.Value), $"entry/{name}");
            }

            Assert.Matches(CapTime(), e.Element(Atom + "updated")!.Value);
            var link = e.Elements(Atom + "link").Single(l => (string?)l.Attribute("rel") == "alternate");
            Assert.Equal("application/cap+xml", (string?)link.Attribute("type"));
            Assert.True(Uri.IsWellFormedUriString((string?)link.Attribute("href"), UriKind.Absolute));
        });
        return feed;
    }

    /// <summary>The identifiers the index's entries link to, in order.</summary>
    public static IReadOnlyList<string> Linked(XElement feed) =>
        [.. feed.Elements(Atom + "entry").Select(e => e.Element(Cap + "identifier")!.Value)];

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")]
    private static partial Regex CapTime();

    [GeneratedRegex(@"^[^\s,<&]+$")]
    private static partial Regex CapToken();
}
