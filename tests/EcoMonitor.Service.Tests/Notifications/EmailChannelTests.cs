using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Channels;
using EcoMonitor.Service.Tests.Fixtures;
using MailKit.Security;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;

namespace EcoMonitor.Service.Tests.Notifications;

/// <summary>
/// The e-mail channel against a real SMTP server (aiosmtpd), plain, with STARTTLS and with
/// implicit TLS; the stored messages are parsed with MimeKit.
/// </summary>
public sealed class EmailChannelTests : IDisposable
{
    private static readonly DateTimeOffset StartsAt = new(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);
    private readonly ChannelScenario _scenario = new("email-site", TimeProvider.System);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_mail_reaches_both_recipients_with_subject_both_bodies_and_times_in_the_channel_zone()
    {
        await using var server = await SmtpServer.StartAsync(SmtpServerSecurity.None, Ct);
        var channel = Channel(server, "None", timeZone: "Asia/Shanghai");
        var fired = _scenario.Fire("air-01", 80.5, StartsAt);
        var message = _scenario.Message(channel.Name, [fired], "zh-CN", "Asia/Shanghai");

        await channel.SendAsync(message, Ct);

        var mail = Assert.Single(await server.WaitForMessagesAsync(1, Ct));
        Assert.Equal(message.Rendered.Title, mail.Subject);
        Assert.StartsWith("【告警】警告 pm25-high", mail.Subject, StringComparison.Ordinal);
        Assert.Equal("eco@example.org", Assert.Single(mail.From.Mailboxes).Address);
        Assert.Equal(["officer.li@example.org", "duty@example.org"], mail.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("officer.li@example.org, duty@example.org", mail.Headers["X-RcptTo"]);
        Assert.Equal("eco@example.org", mail.Headers["X-MailFrom"]);

        var alternative = Assert.IsType<MultipartAlternative>(mail.Body);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));
        Assert.Equal(Lf(message.Rendered.Text).TrimEnd(), Lf(mail.TextBody).TrimEnd());
        Assert.Contains(message.Rendered.Html, mail.HtmlBody, StringComparison.Ordinal);

        // 08:00 UTC is 16:00 in Shanghai.
        Assert.Contains("2026-11-28 16:00:00 +08:00", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("开始于", mail.TextBody, StringComparison.Ordinal);

        Assert.Equal(channel.MessageIdFor(message.Key), mail.MessageId);
        Assert.Equal(fired.AlertId, mail.Headers["X-EcoMonitor-Alert-Ids"]);
    }

    [Fact]
    public async Task English_and_UTC_when_the_channel_says_so_and_a_resent_message_keeps_its_message_id()
    {
        await using var server = await SmtpServer.StartAsync(SmtpServerSecurity.None, Ct);
        var channel = Channel(server, "None", timeZone: "UTC");
        var fired = _scenario.Fire("air-01", 80.5, StartsAt);
        var silent = _scenario.Silent("air-02", StartsAt.AddMinutes(1));
        var message = _scenario.Message(channel.Name, [fired, silent], "en", "UTC");

        await channel.SendAsync(message, Ct);
        await channel.SendAsync(message, Ct);

        var mails = await server.WaitForMessagesAsync(2, Ct);
        Assert.Equal(2, mails.Count);
        var mail = mails[0];
        Assert.Equal("[email-site] 2 firing, 0 resolved", mail.Subject);
        Assert.Contains("[FIRING] warning pm25-high at email-site/air/air-01", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("since 2026-11-28 08:00:00 +00:00", mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("+08:00", mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("告警", mail.TextBody, StringComparison.Ordinal);
        Assert.Equal($"{fired.AlertId}, {silent.AlertId}", mail.Headers["X-EcoMonitor-Alert-Ids"]);
        Assert.Equal(mail.MessageId, mails[1].MessageId);

        // Another message key is another Message-ID.
        Assert.NotEqual(channel.MessageIdFor(message.Key), channel.MessageIdFor(message.Key + "x"));
    }

    [Fact]
    public async Task StartTls_delivers_over_tls_to_a_server_that_requires_it()
    {
        await using var server = await SmtpServer.StartAsync(SmtpServerSecurity.StartTls, Ct);
        var channel = Channel(server, "StartTls", pin: server.Certificate);
        var message = _scenario.Message(channel.Name, [_scenario.Fire("air-01", 80, StartsAt)]);

        await channel.SendAsync(message, Ct);

        Assert.Equal(message.Rendered.Title, Assert.Single(await server.WaitForMessagesAsync(1, Ct)).Subject);
    }

    [Fact]
    public async Task Tls_delivers_over_implicit_tls()
    {
        await using var server = await SmtpServer.StartAsync(SmtpServerSecurity.Tls, Ct);
        var channel = Channel(server, "Tls", pin: server.Certificate);
        var message = _scenario.Message(channel.Name, [_scenario.Fire("air-01", 80, StartsAt)]);

        await channel.SendAsync(message, Ct);

        Assert.Equal(message.Rendered.Title, Assert.Single(await server.WaitForMessagesAsync(1, Ct)).Subject);
    }

    [Fact]
    public async Task An_untrusted_certificate_fails_the_connection_and_nothing_is_sent()
    {
        await using var server = await SmtpServer.StartAsync(SmtpServerSecurity.StartTls, Ct);
        var channel = Channel(server, "StartTls", pin: null);

        await Assert.ThrowsAsync<SslHandshakeException>(
            () => channel.SendAsync(_scenario.Message(channel.Name, [_scenario.Fire("air-01", 80, StartsAt)]), Ct));

        Assert.Empty(server.Messages());
    }

    [Fact]
    public async Task A_5xx_refusal_is_not_retryable()
    {
        // The message is larger than the server takes: 552, the same message can never pass.
        await using var server = await SmtpServer.StartAsync(SmtpServerSecurity.None, maxMessageBytes: 1000, Ct);
        var channel = Channel(server, "None");

        var refused = await Assert.ThrowsAsync<ChannelDeliveryException>(
            () => channel.SendAsync(_scenario.Message(channel.Name, [_scenario.Fire("air-01", 80, StartsAt)]), Ct));

        Assert.False(refused.Retryable);
        Assert.Contains("552", refused.Message, StringComparison.Ordinal);
        Assert.Empty(server.Messages());
    }

    [Fact]
    public async Task Plain_smtp_to_a_server_that_requires_starttls_is_refused_as_a_configuration_error_and_retried()
    {
        // A server requiring STARTTLS answers MAIL FROM with 530: fixing SmtpSecurity lets the waiting messages out.
        await using var server = await SmtpServer.StartAsync(SmtpServerSecurity.StartTls, Ct);
        var channel = Channel(server, "None");

        var refused = await Assert.ThrowsAsync<ChannelDeliveryException>(
            () => channel.SendAsync(_scenario.Message(channel.Name, [_scenario.Fire("air-01", 80, StartsAt)]), Ct));

        Assert.True(refused.Retryable);
        Assert.IsType<MailKit.ServiceNotAuthenticatedException>(refused.InnerException);
        Assert.Contains("STARTTLS", refused.Message, StringComparison.Ordinal);
        Assert.Empty(server.Messages());
    }

    [Fact]
    public async Task With_a_username_it_logs_in_and_a_refused_login_is_retryable_without_showing_the_password()
    {
        // aiosmtpd from the command line has no authenticator: it offers AUTH after STARTTLS and refuses every login (535).
        await using var server = await SmtpServer.StartAsync(SmtpServerSecurity.StartTls, Ct);
        var channel = Channel(server, "StartTls", pin: server.Certificate, username: "officer", password: "pa55-w0rd-secret");

        var refused = await Assert.ThrowsAsync<ChannelDeliveryException>(
            () => channel.SendAsync(_scenario.Message(channel.Name, [_scenario.Fire("air-01", 80, StartsAt)]), Ct));

        Assert.True(refused.Retryable);
        Assert.IsType<AuthenticationException>(refused.InnerException);
        Assert.DoesNotContain("pa55-w0rd-secret", refused.ToString(), StringComparison.Ordinal);
        Assert.Empty(server.Messages());
    }

    [Theory]
    [InlineData("StartTls")]
    [InlineData("tls")]
    [InlineData("None")]
    public void Bad_settings_are_refused_when_the_channel_is_built(string security)
    {
        var options = new ChannelOptions { Name = "mail", Type = "email", SmtpHost = "smtp.example.org", SmtpSecurity = security, From = "eco@example.org", To = ["a@example.org"] };
        Assert.Equal("mail", new EmailChannel(options, TimeProvider.System, NullLogger<EmailChannel>.Instance).Name);

        options.SmtpSecurity = "ssl3";
        Assert.Throws<InvalidOperationException>(() => new EmailChannel(options, TimeProvider.System, NullLogger<EmailChannel>.Instance));
        options.SmtpSecurity = security;
        options.To = [];
        Assert.Throws<InvalidOperationException>(() => new EmailChannel(options, TimeProvider.System, NullLogger<EmailChannel>.Instance));
        options.To = ["a@example.org"];
        options.From = "not an address";
        Assert.Throws<InvalidOperationException>(() => new EmailChannel(options, TimeProvider.System, NullLogger<EmailChannel>.Instance));
    }

    public void Dispose() => _scenario.Dispose();

    private static string Lf(string? text) => (text ?? string.Empty).Replace("\r\n", "\n", StringComparison.Ordinal);

    private static EmailChannel Channel(SmtpServer server, string security, string? timeZone = null, X509Certificate2? pin = null, string? username = null, string? password = null) =>
        new(
            new ChannelOptions
            {
                Name = "mail",
                Type = "email",
                SmtpHost = server.Host,
                SmtpPort = server.Port,
                SmtpSecurity = security,
                SmtpUsername = username,
                SmtpPassword = password,
                From = "EcoMonitor <eco@example.org>",
                To = ["Officer Li <officer.li@example.org>", "duty@example.org"],
                TimeZone = timeZone,
                Timeout = TimeSpan.FromSeconds(10),
            },
            TimeProvider.System,
            NullLogger<EmailChannel>.Instance)
        {
            // The test server's self-signed certificate, pinned: TLS is real, only the trust anchor is the test's.
            ServerCertificateValidation = pin is null
                ? null
                : (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == pin.GetCertHashString(),
        };
}
