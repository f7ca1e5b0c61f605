using System.Globalization;
using System.Text.Json;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Channels;
using Microsoft.Extensions.Logging.Abstractions;

namespace EcoMonitor.Service.Tests.Notifications;

/// <summary>The generic webhook: body, idempotency key, HMAC signature, and what each HTTP answer means.</summary>
public sealed class WebhookChannelTests : ChannelTest
{
    [Fact]
    public async Task One_notification_is_posted_as_json_signed_with_its_idempotency_key_and_configured_headers()
    {
        var channel = Channel(headers: new() { ["Authorization"] = "Bearer receiver-token", ["X-EcoMonitor-Signature"] = "forged" });
        var message = Messages.Message("zh-CN", Messages.Pm25("air-01", 86.4));

        await channel.SendAsync(message, Ct);

        var accepted = Assert.Single(Receivers.Webhook.Accepted);
        Assert.Equal(message.Key, accepted.Headers["Idempotency-Key"]);
        Assert.Equal(WebhookChannel.Signature(accepted.Raw, Receivers.Webhook.Secret!), accepted.Headers["X-EcoMonitor-Signature"]);
        Assert.Equal("Bearer receiver-token", accepted.Headers["Authorization"]);
        Assert.Equal("application/json", accepted.Headers["Content-Type"]);

        var body = accepted.Body;
        Assert.Equal(("1", message.Key, TestMessages.Site, "zh-CN"), (Text(body, "version"), Text(body, "key"), Text(body, "site"), Text(body, "language")));
        var alert = Assert.Single(body.GetProperty("alerts").EnumerateArray());
        var n = message.Notifications[0];
        Assert.Equal(
            (n.AlertId, n.Key, "pm25-high", "firing", "started", "warning", "air", TestMessages.Site, "air-01", "pm25"),
            (Text(alert, "id"), Text(alert, "key"), Text(alert, "rule"), Text(alert, "state"), Text(alert, "reason"), Text(alert, "severity"), Text(alert, "kind"), Text(alert, "site"), Text(alert, "device"), Text(alert, "metric")));
        Assert.Equal((86.4, 75.0), (alert.GetProperty("value").GetDouble(), alert.GetProperty("threshold").GetDouble()));
        Assert.Equal(TestMessages.Start, alert.GetProperty("startsAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, alert.GetProperty("endsAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, alert.GetProperty("group").ValueKind);
        Assert.False(alert.GetProperty("late").GetBoolean());
        Assert.Equal("【告警】警告 pm25-high · bj-chaoyang/air-01", Text(alert, "title"));
        Assert.Contains("86.4 µg/m³", Text(alert, "text"), StringComparison.Ordinal);
        Assert.Contains("GB 3095-2012", Text(alert, "text"), StringComparison.Ordinal);
        Assert.Contains("2026-11-28 16:00:00 +08:00", Text(body, "text"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Three_notifications_in_english_are_one_request_with_three_alerts()
    {
        var channel = Channel();
        var message = Messages.Message(
            "en",
            Messages.Pm25("air-01", 86.4),
            Messages.No2("air-02", 251),
            Messages.Pm25("air-03", 40, NotificationState.Resolved));

        await channel.SendAsync(message, Ct);

        var body = Assert.Single(Receivers.Webhook.Accepted).Body;
        Assert.Equal("[bj-chaoyang] 2 firing, 1 resolved", Text(body, "title"));
        var alerts = body.GetProperty("alerts").EnumerateArray().ToList();
        Assert.Equal(["air-01", "air-02", "air-03"], alerts.Select(a => Text(a, "device")));
        Assert.Equal(["firing", "firing", "resolved"], alerts.Select(a => Text(a, "state")));
        Assert.Equal(["warning", "critical", "warning"], alerts.Select(a => Text(a, "severity")));
        Assert.Equal(TestMessages.Start.AddMinutes(30), alerts[2].GetProperty("endsAt").GetDateTimeOffset());
        Assert.Equal("ended", Text(alerts[2], "reason"));
        Assert.Contains("no2 251 µg/m³ (threshold 200 µg/m³)", Text(alerts[1], "text"), StringComparison.Ordinal);
        Assert.Contains("RESOLVED", Text(body, "text"), StringComparison.Ordinal);
        Assert.Equal(message.Notifications.Select(n => n.Key), alerts.Select(a => Text(a, "key")));
    }

    [Fact]
    public async Task Without_a_secret_no_signature_is_sent()
    {
        Receivers.Webhook.Secret = null;
        await Channel(secret: null).SendAsync(Messages.Message("en", Messages.Pm25("air-01", 80)), Ct);

        Assert.False(Assert.Single(Receivers.Webhook.Accepted).Headers.ContainsKey("X-EcoMonitor-Signature"));
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_by_the_receiver_and_not_retried()
    {
        var refusal = await RefusedAsync(() => Channel(secret: "not-the-receivers-secret").SendAsync(Messages.Message("en", Messages.Pm25("air-01", 80)), Ct));

        Assert.False(refusal.Retryable);
        Assert.Contains("401", refusal.Message, StringComparison.Ordinal);
        Assert.Empty(Receivers.Webhook.Accepted);
    }

    [Fact]
    public async Task A_retry_of_the_same_message_is_byte_for_byte_the_same_request()
    {
        var channel = Channel();
        var message = Messages.Message("zh-CN", Messages.Pm25("air-01", 80), Messages.No2("air-02", 300));
        Receivers.Webhook.FailNext(503, "7");

        var refusal = await RefusedAsync(() => channel.SendAsync(message, Ct));
        Assert.True(refusal.Retryable);
        Assert.Equal(TimeSpan.FromSeconds(7), refusal.RetryAfter);

        Time.Advance(TimeSpan.FromSeconds(7));
        await channel.SendAsync(message, Ct);
        var accepted = Assert.Single(Receivers.Webhook.Accepted);
        Assert.Equal(message.Key, accepted.Headers["Idempotency-Key"]);
        Assert.Equal(WebhookChannel.Body(message), accepted.Raw);
    }

    [Theory]
    [InlineData(429, "120", true, 120)]
    [InlineData(503, null, true, null)]
    [InlineData(500, null, true, null)]
    [InlineData(502, "0", true, 0)]
    [InlineData(408, null, true, null)]
    [InlineData(400, null, false, null)]
    [InlineData(404, null, false, null)]
    [InlineData(413, null, false, null)]
    [InlineData(422, null, false, null)]
    public async Task Each_http_answer_maps_to_retryable_or_not_with_its_retry_after(int status, string? retryAfter, bool retryable, int? seconds)
    {
        Receivers.Webhook.FailNext(status, retryAfter);

        var refusal = await RefusedAsync(() => Channel().SendAsync(Messages.Message("en", Messages.Pm25("air-01", 80)), Ct));

        Assert.Equal(retryable, refusal.Retryable);
        Assert.Equal(seconds is { } s ? TimeSpan.FromSeconds(s) : null, refusal.RetryAfter);
        Assert.Contains(status.ToString(CultureInfo.InvariantCulture), refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retry_after_as_an_http_date_is_measured_from_the_clock()
    {
        Receivers.Webhook.FailNext(503, Time.GetUtcNow().AddSeconds(90).ToString("R", CultureInfo.InvariantCulture));

        var refusal = await RefusedAsync(() => Channel().SendAsync(Messages.Message("en", Messages.Pm25("air-01", 80)), Ct));

        Assert.True(refusal.Retryable);
        Assert.Equal(TimeSpan.FromSeconds(90), refusal.RetryAfter);
    }

    [Fact]
    public void The_signature_is_sha256_and_the_lower_case_hex_hmac_of_the_body()
    {
        // Python: hmac.new(b'hook-secret', b'{"version":"1"}', hashlib.sha256).hexdigest()
        Assert.Equal(
            "sha256=f8ea49e886245f94d28dd13875c23cf8acce7cd632eb579cea11e81f49a1b964",
            WebhookChannel.Signature("{\"version\":\"1\"}"u8, "hook-secret"));
    }

    [Fact]
    public void A_channel_without_a_url_is_refused_at_construction()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new WebhookChannel(new ChannelOptions { Name = "hook", Type = "webhook" }, Http, Time, NullLogger<WebhookChannel>.Instance));
        Assert.Contains("Url", ex.Message, StringComparison.Ordinal);
    }

    private WebhookChannel Channel(string? secret = "", Dictionary<string, string>? headers = null) => new(
        new ChannelOptions
        {
            Name = "hook",
            Type = "webhook",
            Url = Receivers.WebhookUrl,
            Secret = secret == string.Empty ? Receivers.Webhook.Secret : secret,
            Headers = headers ?? [],
        },
        Http,
        Time,
        NullLogger<WebhookChannel>.Instance);
}
