using System.Text;
using System.Xml;

namespace EcoMonitor.Feed.Cap;

/// <summary>
/// Writes a <see cref="CapMessage"/> as a CAP 1.2 document, in the element order of the schema's
/// sequences (docs/feed.md#mapping). Written by hand with <see cref="XmlWriter"/>: no CAP library
/// for .NET is kept up; the schema validates the result in the tests.
/// </summary>
internal static class CapWriter
{
    public const string Namespace = "urn:oasis:names:tc:emergency:cap:1.2";

    /// <summary>The event code list of OASIS (valueName of eventCode).</summary>
    public const string EventTermsList = "OET:v1.2";

    public static byte[] Write(CapMessage message, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var buffer = new MemoryStream();
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, IndentChars = "  ", NewLineChars = "\n" };
        using (var w = XmlWriter.Create(buffer, settings))
        {
            w.WriteStartDocument();
            w.WriteStartElement("alert", Namespace);
            w.WriteElementString("identifier", Namespace, message.Identifier);
            w.WriteElementString("sender", Namespace, message.Sender);
            w.WriteElementString("sent", Namespace, CapTime.Format(message.Sent, zone));
            w.WriteElementString("status", Namespace, "Actual");
            w.WriteElementString("msgType", Namespace, message.MsgType);
            w.WriteElementString("scope", Namespace, "Public");
            if (message.References.Count > 0)
            {
                w.WriteElementString("references", Namespace, string.Join(' ', message.References.Select(r => $"{r.Sender},{r.Identifier},{CapTime.Format(r.Sent, zone)}")));
            }

            w.WriteElementString("incidents", Namespace, message.Incidents);
            foreach (var info in message.Infos)
            {
                WriteInfo(w, info, zone);
            }

            w.WriteEndElement();
            w.WriteEndDocument();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static void WriteInfo(XmlWriter w, CapInfo info, TimeZoneInfo zone)
    {
        w.WriteStartElement("info", Namespace);
        w.WriteElementString("language", Namespace, info.Language);
        foreach (var category in info.Categories)
        {
            w.WriteElementString("category", Namespace, category);
        }

        w.WriteElementString("event", Namespace, Plain(info.Event));
        w.WriteElementString("responseType", Namespace, info.ResponseType);
        w.WriteElementString("urgency", Namespace, info.Urgency);
        w.WriteElementString("severity", Namespace, info.Severity);
        w.WriteElementString("certainty", Namespace, info.Certainty);
        WritePair(w, "eventCode", EventTermsList, info.EventCode);
        w.WriteElementString("effective", Namespace, CapTime.Format(info.Effective, zone));
        if (info.Onset is { } onset)
        {
            w.WriteElementString("onset", Namespace, CapTime.Format(onset, zone));
        }

        w.WriteElementString("expires", Namespace, CapTime.Format(info.Expires, zone));
        w.WriteElementString("senderName", Namespace, Plain(info.SenderName));
        w.WriteElementString("headline", Namespace, Plain(info.Headline));
        w.WriteElementString("description", Namespace, Plain(info.Description));
        if (info.Instruction is { Length: > 0 } instruction)
        {
            w.WriteElementString("instruction", Namespace, Plain(instruction));
        }

        if (info.Web is { Length: > 0 } web)
        {
            w.WriteElementString("web", Namespace, web);
        }

        foreach (var (name, value) in info.Parameters)
        {
            WritePair(w, "parameter", name, Plain(value));
        }

        w.WriteStartElement("area", Namespace);
        w.WriteElementString("areaDesc", Namespace, Plain(info.Area.AreaDesc));
        if (info.Area.Polygon is { Length: > 0 } polygon)
        {
            w.WriteElementString("polygon", Namespace, polygon);
        }

        if (info.Area.Circle is { Length: > 0 } circle)
        {
            w.WriteElementString("circle", Namespace, circle);
        }

        if (info.Area.Adcode is { Length: > 0 } adcode)
        {
            WritePair(w, "geocode", "ADCODE", adcode);
        }

        w.WriteEndElement();
        w.WriteEndElement();
    }

    private static void WritePair(XmlWriter w, string element, string name, string value)
    {
        w.WriteStartElement(element, Namespace);
        w.WriteElementString("valueName", Namespace, name);
        w.WriteElementString("value", Namespace, value);
        w.WriteEndElement();
    }

    /// <summary>
    /// Text as CAP text fields want it (docs/feed.md#mapping): characters XML cannot carry dropped,
    /// and '&lt;', '&gt;', '&amp;' as their full-width forms, since validators refuse markup and
    /// entities in text (a rule's description is free text).
    /// </summary>
    internal static string Plain(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var b = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '<')
            {
                b.Append('＜');
            }
            else if (c is '>')
            {
                b.Append('＞');
            }
            else if (c is '&')
            {
                b.Append('＆');
            }
            else if (XmlConvert.IsXmlChar(c) || char.IsSurrogate(c))
            {
                b.Append(c);
            }
        }

        return b.ToString();
    }
}
