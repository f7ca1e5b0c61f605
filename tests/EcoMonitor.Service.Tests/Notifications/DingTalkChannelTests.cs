using System.Globalization;
using System.Text.RegularExpressions;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Channels;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EcoMonitor.Service.Tests.Notifications;

/// <summary>The DingTalk custom robot: Markdown message, mentions, the signed URL, errcodes.</summary>
public sealed partial class DingTalkChannelTests : ChannelTest
{
    [Fact]
    public async Task One_notification_is_a_signed_markdown_message_in_chinese()
    {
        var message = Messages.Message("zh-CN", Messages.Pm25("air-01", 86.4));

        await Channel().SendAsync(message, Ct);

        var accepted = Assert.Single(Receivers.DingTalk.Accepted);
        var query = QueryHelpers.ParseQuery(accepted.Query);
        Assert.Equal(Time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), query["timestamp"].ToString());
        Assert.Equal(DingTalkRobot.ExpectedSign(query["timestamp"].ToString(), Receivers.DingTalk.Secret!), query["sign"].ToString());
        Assert.Equal(Receivers.DingTalk.Token, query["access_token"].ToString());

        var body = accepted.Body;
        Assert.Equal("markdown", Text(body, "msgtype"));
        Assert.Equal("【告警】警告 pm25-high · bj-chaoyang/air-01", Text(body, "markdown", "title"));
        var text = Text(body, "markdown", "text");
        Assert.Equal(message.Rendered.Markdown, text);
        Assert.Contains("bj-chaoyang/air/air-01", text, StringComparison.Ordinal);
        Assert.Contains("PM2.5 86.4 µg/m³（阈值 75 µg/m³）", text, StringComparison.Ordinal);
        Assert.Contains("开始于 2026-11-28 16:00:00 +08:00", text, StringComparison.Ordinal);
        Assert.False(body.GetProperty("at").GetProperty("isAtAll").GetBoolean());
        Assert.Empty(body.GetProperty("at").GetProperty("atMobiles").EnumerateArray());
    }

    [Fact]
    public async Task Three_notifications_in_english_mention_the_mobiles_in_the_text_and_everyone_for_a_critical_alert()
    {
        var message = Messages.Message(
            "en",
            Messages.Pm25("air-01", 86.4),
            Messages.No2("air-02", 251),
            Messages.Pm25("air-03", 40, NotificationState.Resolved));

        await Channel(mentions: ["13800000000", "13900000001"], mentionAll: true).SendAsync(message, Ct);

        var body = Assert.Single(Receivers.DingTalk.Accepted).Body;
        Assert.Equal("[bj-chaoyang] 2 firing, 1 resolved", Text(body, "markdown", "title"));
        var text = Text(body, "markdown", "text");
        Assert.Contains("**FIRING** warning pm25-high at bj-chaoyang/air/air-01: PM2.5 86.4 µg/m³ (threshold 75 µg/m³)", text, StringComparison.Ordinal);
        Assert.Contains("**FIRING** critical no2-critical at bj-chaoyang/air/air-02: no2 251 µg/m³", text, StringComparison.Ordinal);
        Assert.Contains("**RESOLVED** warning pm25-high at bj-chaoyang/air/air-03: PM2.5 40 µg/m³", text, StringComparison.Ordinal);
        Assert.EndsWith("\n\n@13800000000 @13900000001", text, StringComparison.Ordinal);
        Assert.Equal(["13800000000", "13900000001"], body.GetProperty("at").GetProperty("atMobiles").EnumerateArray().Select(m => m.GetString()));
        Assert.True(body.GetProperty("at").GetProperty("isAtAll").GetBoolean());
    }

    [Fact]
    public async Task A_resolved_critical_alert_does_not_mention_everyone()
    {
        await Channel(mentionAll: true).SendAsync(Messages.Message("en", Messages.No2("air-02", 120, NotificationState.Resolved)), Ct);

        Assert.False(Assert.Single(Receivers.DingTalk.Accepted).Body.GetProperty("at").GetProperty("isAtAll").GetBoolean());
    }

    [Fact]
    public async Task Send_too_fast_is_retryable_after_a_minute_and_the_retry_is_signed_afresh()
    {
        var channel = Channel();
        var message = Messages.Message("zh-CN", Messages.Pm25("air-01", 80));
        Receivers.DingTalk.SendTooFast(1);

        var refusal = await RefusedAsync(() => channel.SendAsync(message, Ct));
        Assert.True(refusal.Retryable);
        Assert.Equal(TimeSpan.FromSeconds(60), refusal.RetryAfter);
        Assert.Contains("130101", refusal.Message, StringComparison.Ordinal);

        Time.Advance(TimeSpan.FromSeconds(60));
        await channel.SendAsync(message, Ct);
        var query = QueryHelpers.ParseQuery(Assert.Single(Receivers.DingTalk.Accepted).Query);
        Assert.Equal(Time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), query["timestamp"].ToString());
    }

    [Fact]
    public async Task A_clock_more_than_an_hour_off_is_refused_by_dingtalk_and_not_retried()
    {
        var skewed = new FakeTimeProvider(Time.GetUtcNow().AddHours(-2));

        var refusal = await RefusedAsync(() => Channel(clock: skewed).SendAsync(Messages.Message("en", Messages.Pm25("air-01", 80)), Ct));

        Assert.False(refusal.Retryable);
        Assert.Contains("310000", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("invalid timestamp", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_secret_is_a_sign_mismatch_and_not_retried()
    {
        var refusal = await RefusedAsync(() => Channel(secret: "SECnot-the-robots").SendAsync(Messages.Message("en", Messages.Pm25("air-01", 80)), Ct));

        Assert.False(refusal.Retryable);
        Assert.Contains("sign not match", refusal.Message, StringComparison.Ordinal);
        Assert.Empty(Receivers.DingTalk.Accepted);
    }

    [Fact]
    public async Task An_unknown_access_token_is_not_retried()
    {
        var refusal = await RefusedAsync(() => Channel(url: Receivers.DingTalkUrl("no-such-token")).SendAsync(Messages.Message("en", Messages.Pm25("air-01", 80)), Ct));

        Assert.False(refusal.Retryable);
        Assert.Contains("300001", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_secret_the_url_is_not_signed()
    {
        Receivers.DingTalk.Secret = null;

        await Channel(secret: null).SendAsync(Messages.Message("en", Messages.Pm25("air-01", 80)), Ct);

        var query = QueryHelpers.ParseQuery(Assert.Single(Receivers.DingTalk.Accepted).Query);
        Assert.False(query.ContainsKey("timestamp") || query.ContainsKey("sign"));
    }

    [Theory]
    [InlineData("zh-CN", "另有")]
    [InlineData("en", "and")]
    public async Task A_storm_of_200_alerts_is_cut_to_the_20000_byte_body_limit_with_a_count_of_the_rest(string language, string word)
    {
        var message = Messages.Storm(language, 200);

        await Channel(mentions: ["13800000000"]).SendAsync(message, Ct);

        var accepted = Assert.Single(Receivers.DingTalk.Accepted);
        Assert.InRange(accepted.Raw.Length, 15_000, DingTalkChannel.MaxBodyBytes);
        var text = Text(accepted.Body, "markdown", "text");
        var listed = text.Split('\n').Count(l => l.StartsWith("- ", StringComparison.Ordinal));
        var more = MoreLine().Match(text);
        Assert.True(more.Success, text[^200..]);
        Assert.Contains(word, more.Value, StringComparison.Ordinal);
        Assert.Equal(200 - listed, int.Parse(more.Groups["n"].Value, CultureInfo.InvariantCulture));
        Assert.EndsWith("@13800000000", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sign_is_the_one_dingtalks_python_sample_computes()
    {
        // DingTalk's sample: hmac.new(secret, f"{timestamp}\n{secret}", sha256), base64, urllib.parse.quote_plus.
        Assert.Equal("K%2FOaowEa1KlFrnpLz8sTdHygAhQhOC3qD9Nzperaes4%3D", Uri.EscapeDataString(DingTalkChannel.Sign(1767225600000, "SECtest0123456789abcdef")));

        var url = DingTalkChannel.SignedUrl(new Uri("https://oapi.dingtalk.com/robot/send?access_token=abc"), "SECtest0123456789abcdef", DateTimeOffset.FromUnixTimeMilliseconds(1767225600000));
        Assert.Equal("https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1767225600000&sign=K%2FOaowEa1KlFrnpLz8sTdHygAhQhOC3qD9Nzperaes4%3D", url.AbsoluteUri);
    }

    [Theory]
    [InlineData(130101, true, 60)]
    [InlineData(410100, true, 60)]
    [InlineData(-1, true, null)]
    [InlineData(310000, false, null)]
    [InlineData(300001, false, null)]
    [InlineData(400013, false, null)]
    [InlineData(400101, false, null)]
    [InlineData(400102, false, null)]
    [InlineData(400105, false, null)]
    [InlineData(430101, false, null)]
    [InlineData(40035, false, null)]
    [InlineData(43004, false, null)]
    [InlineData(88, true, null)]
    public void Errcodes_map_to_retryable_or_not(long errcode, bool retryable, int? seconds)
    {
        var refusal = DingTalkChannel.Refusal(errcode, "x", null);

        Assert.NotNull(refusal);
        Assert.Equal((retryable, seconds is { } s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null), (refusal.Retryable, refusal.RetryAfter));
        Assert.Null(DingTalkChannel.Refusal(0, "ok", null));
    }

    [GeneratedRegex(@"… (and (?<n>\d+) more|另有 (?<n>\d+) 条未列出)")]
    private static partial Regex MoreLine();

    private DingTalkChannel Channel(string? secret = "", Uri? url = null, List<string>? mentions = null, bool mentionAll = false, TimeProvider? clock = null) => new(
        new ChannelOptions
        {
            Name = "ding",
            Type = "dingtalk",
            Url = url ?? Receivers.DingTalkUrl(),
            Secret = secret == string.Empty ? Receivers.DingTalk.Secret : secret,
            Mentions = mentions ?? [],
            MentionAllOnCritical = mentionAll,
        },
        Http,
        clock ?? Time,
        NullLogger<DingTalkChannel>.Instance);
}
