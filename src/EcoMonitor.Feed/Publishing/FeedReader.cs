using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using EcoMonitor.Feed.Cap;
using EcoMonitor.Feed.Chains;

namespace EcoMonitor.Feed.Publishing;

/// <summary>A document of the feed as HTTP serves it: its bytes, strong ETag and Last-Modified (whole seconds).</summary>
public sealed record FeedDocument(byte[] Bytes, string ETag, DateTimeOffset LastModified, string ContentType);

/// <summary>
/// What <c>/feeds</c> serves (docs/feed.md#http): the Atom index of the chains in the index, newest
/// message first, and each stored CAP message, byte for byte as written.
/// </summary>
public sealed partial class FeedReader
{
    public const string CapContentType = "application/cap+xml";
    public const string AtomContentType = "application/atom+xml; charset=utf-8";
    public const string AtomNamespace = "http://www.w3.org/2005/Atom";
    public const int MaxIdentifierLength = 64;

    /// <summary>The namespace of <c>eco:auditLeaf</c> in the Atom index (docs/feed.md#audit-leaf).</summary>
    public const string AuditNamespace = "urn:ecomonitor:audit";

    private readonly FeedPublisher _publisher;
    private readonly FeedMetrics _metrics;

    internal FeedReader(FeedPublisher publisher, FeedMetrics metrics)
    {
        _publisher = publisher;
        _metrics = metrics;
    }

    /// <summary>True when <paramref name="identifier"/> could be one of the feed's: letters, digits, '-', at most 64 characters.</summary>
    public static bool IsIdentifier(string? identifier) => identifier is { Length: > 0 and <= MaxIdentifierLength } && IdentifierPattern().IsMatch(identifier);

    /// <summary>Counts an answer (label <c>answer</c> of <c>ecomonitor_feed_requests_total</c>).</summary>
    public void Count(string document, string answer) => _metrics.Requests.WithLabels(document, answer).Inc();

    /// <summary>The stored message, or null when the index does not name it (unknown, or left the index).</summary>
    public FeedDocument? Message(string identifier)
    {
        if (!IsIdentifier(identifier))
        {
            return null;
        }

        var entry = _publisher.Current.Chains.SelectMany(c => c.Messages).FirstOrDefault(m => m.Identifier == identifier);
        if (entry is null || _publisher.Store.Read(identifier) is not { } bytes)
        {
            return null;
        }

        return new FeedDocument(bytes, entry.ETag, entry.Sent, CapContentType);
    }

    /// <summary>The Atom index; links are made from <c>Feed:PublicUrl</c>, else from <paramref name="requestBase"/>.</summary>
    public FeedDocument Index(Uri requestBase)
    {
        ArgumentNullException.ThrowIfNull(requestBase);
        var options = _publisher.Options;
        var zone = _publisher.Zone;
        var state = _publisher.Current;
        var root = (options.PublicUrl.Length > 0 ? options.PublicUrl : requestBase.GetLeftPart(UriPartial.Authority)).TrimEnd('/');
        var self = root + "/feeds/alerts.cap.xml";
        var latest = state.Chains.Where(c => c.Messages.Count > 0).Select(c => c.Messages[^1]).OrderByDescending(m => m.Sent).ThenBy(m => m.Identifier, StringComparer.Ordinal).ToList();
        var updated = latest.Count == 0 ? state.Changed : latest.Max(m => m.Sent) > state.Changed ? latest.Max(m => m.Sent) : state.Changed;
        if (updated == default)
        {
            updated = DateTimeOffset.UnixEpoch;
        }

        using var buffer = new MemoryStream();
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, IndentChars = "  ", NewLineChars = "\n" };
        using (var w = XmlWriter.Create(buffer, settings))
        {
            w.WriteStartDocument();
            w.WriteStartElement("feed", AtomNamespace);
            w.WriteAttributeString("xmlns", "cap", null, CapWriter.Namespace);
            w.WriteAttributeString("xmlns", "eco", null, AuditNamespace);
            w.WriteElementString("id", AtomNamespace, self);
            w.WriteElementString("title", AtomNamespace, CapWriter.Plain($"{options.SenderName}: public environmental warnings"));
            w.WriteElementString("updated", AtomNamespace, CapTime.Format(updated, zone));
            w.WriteStartElement("author", AtomNamespace);
            w.WriteElementString("name", AtomNamespace, CapWriter.Plain(options.SenderName));
            w.WriteEndElement();
            w.WriteElementString("generator", AtomNamespace, "EcoMonitor");
            WriteLink(w, "self", AtomContentType.Split(';')[0], self);
            foreach (var entry in latest)
            {
                WriteEntry(w, entry, _publisher.AuditLeaf(entry.Identifier), root, options, zone);
            }

            w.WriteEndElement();
            w.WriteEndDocument();
        }

        buffer.WriteByte((byte)'\n');
        var bytes = buffer.ToArray();
        return new FeedDocument(bytes, FeedBook.ETagOf(bytes), CapTime.Truncate(updated), AtomContentType);
    }

    private static void WriteEntry(XmlWriter w, FeedEntry entry, long? auditLeaf, string root, FeedOptions options, TimeZoneInfo zone)
    {
        var href = $"{root}/feeds/cap/{entry.Identifier}.xml";
        w.WriteStartElement("entry", AtomNamespace);
        w.WriteElementString("id", AtomNamespace, href);
        w.WriteElementString("title", AtomNamespace, entry.HeadlineEn);
        w.WriteElementString("updated", AtomNamespace, CapTime.Format(entry.Sent, zone));
        w.WriteElementString("published", AtomNamespace, CapTime.Format(entry.Sent, zone));
        w.WriteStartElement("author", AtomNamespace);
        w.WriteElementString("name", AtomNamespace, CapWriter.Plain(options.SenderName));
        w.WriteEndElement();
        WriteLink(w, "alternate", CapContentType, href);
        if (auditLeaf is { } leaf)
        {
            // The message cannot name its own leaf (the record hashes its bytes): its entry does.
            WriteLink(w, "related", "application/json", string.Create(CultureInfo.InvariantCulture, $"{root}/api/audit/entries?start={leaf}&count=1"));
        }

        w.WriteElementString("summary", AtomNamespace, entry.HeadlineEn);
        w.WriteElementString("identifier", CapWriter.Namespace, entry.Identifier);
        w.WriteElementString("sender", CapWriter.Namespace, options.Sender);
        w.WriteElementString("sent", CapWriter.Namespace, CapTime.Format(entry.Sent, zone));
        w.WriteElementString("status", CapWriter.Namespace, "Actual");
        w.WriteElementString("msgType", CapWriter.Namespace, entry.MsgType);
        w.WriteElementString("event", CapWriter.Namespace, entry.EventEn);
        w.WriteElementString("urgency", CapWriter.Namespace, entry.Urgency);
        w.WriteElementString("severity", CapWriter.Namespace, entry.CapSeverity);
        w.WriteElementString("certainty", CapWriter.Namespace, entry.Certainty);
        w.WriteElementString("effective", CapWriter.Namespace, CapTime.Format(entry.Sent, zone));
        w.WriteElementString("expires", CapWriter.Namespace, CapTime.Format(entry.Expires, zone));
        w.WriteElementString("areaDesc", CapWriter.Namespace, entry.AreaDescEn);
        if (auditLeaf is { } index)
        {
            w.WriteElementString("auditLeaf", AuditNamespace, index.ToString(CultureInfo.InvariantCulture));
        }

        w.WriteEndElement();
    }

    private static void WriteLink(XmlWriter w, string rel, string type, string href)
    {
        w.WriteStartElement("link", AtomNamespace);
        w.WriteAttributeString("rel", rel);
        w.WriteAttributeString("type", type);
        w.WriteAttributeString("href", href);
        w.WriteEndElement();
    }

    [GeneratedRegex("^[A-Za-z0-9-]+$")]
    private static partial Regex IdentifierPattern();
}
