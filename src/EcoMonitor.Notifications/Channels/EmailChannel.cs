using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Text;
using EcoMonitor.Notifications;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EcoMonitor.Notifications.Channels;

/// <summary>
/// Sends each message as one e-mail over SMTP (type <c>email</c>) with MailKit: subject
/// <see cref="Templates.RenderedMessage.Title"/>, a <c>multipart/alternative</c> body with the plain
/// text and the HTML rendering, from <see cref="ChannelOptions.From"/> to every address in
/// <see cref="ChannelOptions.To"/>.
/// </summary>
/// <remarks>
/// <para><c>Message-ID</c> is derived from the channel name and the message key, so a message sent
/// again after a retry (the dispatcher delivers at least once) carries the same id and a mail client
/// or an archive can recognise the copy. <c>X-EcoMonitor-Alert-Ids</c> lists the alert ids in it,
/// for mail filters.</para>
/// <para><see cref="ChannelOptions.SmtpSecurity"/>: <c>StartTls</c> (default; the server must offer
/// STARTTLS, the connection is refused otherwise), <c>Tls</c> (TLS from the first byte, usually port
/// 465) or <c>None</c> — no encryption at all, meant only for a relay on the same host or a trusted
/// local network, since the password and the alerts would cross the network in clear. The server
/// certificate is checked against the system's trust store. It logs in only when
/// <see cref="ChannelOptions.SmtpUsername"/> is set.</para>
/// <para>One connection per message: alerts are rare next to SMTP's cost, and no idle connection
/// is left for the server to drop. Answers: an SMTP command refused with a 4xx code is retryable, a
/// 5xx one is not (one refused recipient refuses the whole message, as MailKit does by default:
/// fix the list); a failed login, or a server that demands a login or STARTTLS the settings do not
/// give (530), is retryable: a configuration error, and once the operator fixes it the messages
/// still waiting go out (until the expiry policy gives them up). Connection, TLS and protocol
/// errors are let through for the dispatcher to retry.</para>
/// </remarks>
internal sealed partial class EmailChannel(ChannelOptions options, TimeProvider time, ILogger<EmailChannel> logger) : INotificationChannel
{
    private readonly SecureSocketOptions _security = SecurityOf(options);
    private readonly MailboxAddress _from = Validated(options);
    private readonly string _host = options.SmtpHost!; // checked by Validated
    private readonly List<MailboxAddress> _to = [.. options.To.Select(a => MailboxAddress.Parse(a))];

    public string Name => options.Name;

    /// <summary>
    /// Replaces the system trust check of the server's certificate (tests pin their self-signed
    /// certificate with it). Null: MailKit's default check against the system's trust store.
    /// </summary>
    internal RemoteCertificateValidationCallback? ServerCertificateValidation { get; init; }

    /// <summary>The <c>Message-ID</c> for a message key on this channel (without angle brackets).</summary>
    public string MessageIdFor(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{Name}\n{key}"));
        var domain = string.IsNullOrEmpty(_from.Domain) ? "ecomonitor.invalid" : _from.Domain;
        return $"ecomonitor.{Convert.ToHexStringLower(hash.AsSpan(0, 16))}@{domain}";
    }

    public async Task SendAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var mail = Compose(message);
        using var client = new SmtpClient
        {
            Timeout = (int)Math.Clamp(options.Timeout.TotalMilliseconds, 1, int.MaxValue),
        };
        if (ServerCertificateValidation is { } validation)
        {
            client.ServerCertificateValidationCallback = validation;
        }

        try
        {
            await client.ConnectAsync(_host, options.SmtpPort, _security, cancellationToken);
            if (!string.IsNullOrEmpty(options.SmtpUsername))
            {
                await client.AuthenticateAsync(options.SmtpUsername, options.SmtpPassword ?? string.Empty, cancellationToken);
            }

            var answer = await client.SendAsync(mail, cancellationToken);
            LogSent(logger, Name, mail.MessageId ?? string.Empty, _to.Count, message.Notifications.Count, answer);
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (SmtpCommandException ex)
        {
            var code = (int)ex.StatusCode;
            throw new ChannelDeliveryException(
                $"SMTP server {_host}:{options.SmtpPort} refused ({ex.ErrorCode}, {code}): {ex.Message}",
                retryable: code is >= 400 and < 500,
                retryAfter: null,
                inner: ex);
        }
        catch (AuthenticationException ex)
        {
            throw new ChannelDeliveryException(
                $"SMTP server {_host}:{options.SmtpPort} refused the login of the configured user: {ex.Message}",
                retryable: true,
                retryAfter: null,
                inner: ex);
        }
        catch (ServiceNotAuthenticatedException ex)
        {
            // 530: the server wants a login or STARTTLS this channel is not configured for.
            throw new ChannelDeliveryException(
                $"SMTP server {_host}:{options.SmtpPort} requires what SmtpSecurity/SmtpUsername do not give: {ex.Message}",
                retryable: true,
                retryAfter: null,
                inner: ex);
        }
    }

    /// <summary>The e-mail for <paramref name="message"/> (public for inspection; the caller disposes it).</summary>
    public MimeMessage Compose(NotificationMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var rendered = message.Rendered;
        var mail = new MimeMessage
        {
            Subject = rendered.Title,
            Date = time.GetUtcNow(),
            MessageId = MessageIdFor(message.Key),
        };
        mail.From.Add(_from);
        mail.To.AddRange(_to);
        mail.Headers.Add("X-EcoMonitor-Alert-Ids", string.Join(", ", message.Notifications.Select(n => n.AlertId).Distinct(StringComparer.Ordinal)));
        mail.Headers.Add(HeaderId.ContentLanguage, rendered.Language);
        var body = new BodyBuilder
        {
            TextBody = rendered.Text,
            HtmlBody = $"""
                <!DOCTYPE html>
                <html lang="{WebUtility.HtmlEncode(rendered.Language)}"><head><meta charset="utf-8"><title>{WebUtility.HtmlEncode(rendered.Title)}</title></head>
                <body>{rendered.Html}</body></html>
                """,
        };
        mail.Body = body.ToMessageBody();
        return mail;
    }

    private static SecureSocketOptions SecurityOf(ChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.SmtpSecurity.ToUpperInvariant() switch
        {
            "STARTTLS" => SecureSocketOptions.StartTls,
            "TLS" => SecureSocketOptions.SslOnConnect,
            "NONE" => SecureSocketOptions.None,
            _ => throw new InvalidOperationException($"channel '{options.Name}': SmtpSecurity '{options.SmtpSecurity}' is not one of StartTls, Tls, None"),
        };
    }

    private static MailboxAddress Validated(ChannelOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.SmtpHost))
        {
            throw new InvalidOperationException($"channel '{options.Name}': SmtpHost is required");
        }

        if (options.To.Count == 0)
        {
            throw new InvalidOperationException($"channel '{options.Name}': To needs at least one address");
        }

        return MailboxAddress.TryParse(options.From, out var from)
            ? from
            : throw new InvalidOperationException($"channel '{options.Name}': From '{options.From}' is not an e-mail address");
    }

    [LoggerMessage(EventId = 7611, Level = LogLevel.Debug, Message = "[{Channel}] mail {MessageId} to {Recipients} recipient(s) with {Count} notification(s) accepted: {Answer}")]
    private static partial void LogSent(ILogger logger, string channel, string messageId, int recipients, int count, string answer);
}
