
namespace EcoMonitor.Notifications;

/// <summary>
/// A message in words, ready for any channel: a one-line <see cref="Title"/> (e-mail subject,
/// card header), <see cref="Markdown"/> (robots), <see cref="Text"/> (plain text e-mail part,
/// MQTT, log) and <see cref="Html"/> (e-mail). <see cref="Lines"/> has one entry per notification,
/// in Markdown, for channels that must cut a long message down to their size limit.
/// </summary>
public sealed record RenderedMessage(
    string Title,
    string Markdown,
    string Text,
    string Html,
    IReadOnlyList<string> Lines,
    string Language);
