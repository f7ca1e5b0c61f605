using System.Globalization;
using System.Text.RegularExpressions;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Channels;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EcoMonitor.Service.Tests.Notifications;

/// <summary>The Feishu custom bot: interactive card, signature in the body, header colours, mentions, codes.</summary>
public sealed partial class FeishuChannelTests : ChannelTest
{
    [Fact]
    public async Task One_notification_is_a_signed_orange_card_in_chinese()
    {
        var message = Messages.Message("zh-CN", Messages.Pm25("air-01", 86.4));

        await Channel().SendAsync(message, Ct);

        var body = Assert.Single(Receivers.Feishu.Accepted).Body;
        var timestamp = Text(body, "timestamp");
        Assert.Equal(Time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), timestamp);
        Assert.Equal(FeishuBot.ExpectedSign(timestamp, Receivers.Feishu.Secret!), Text(body, "sign"));
        Assert.Equal("interactive", Text(body, "msg_type"));
        var header = body.GetProperty("card").GetProperty("header");
        Assert.Equal(("plain_text", "【告警】警告 pm25-high · bj-chaoyang/air-01", "orange"), (Text(header, "title", "tag"), Text(header, "title", "content"), Text(header, "template")));
        var element = Assert.Single(body.GetProperty("card").GetProperty("elements").EnumerateArray());
        Assert.Equal(("div", "lark_md"), (Text(element, "tag"), Text(element, "text", "tag")));
        var content = Text(element, "text", "content");
        Assert.Equal(message.Rendered.Lines[0], content);
        Assert.Contains("bj-chaoyang/air/air-01", content, StringComparison.Ordinal);
        Assert.Contains("PM2.5 86.4 µg/m³（阈值 75 µg/m³）", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Three_notifications_in_english_are_a_red_card_with_three_lines_and_the_mentions()
    {
        var message = Messages.Message(
            "en",
            Messages.Pm25("air-01", 86.4),
            Messages.No2("air-02", 251),
            Messages.Pm25("air-03", 40, NotificationState.Resolved));

        await Channel(mentions: ["ou_0123456789abcdef"], mentionAll: true).SendAsync(message, Ct);

        var card = Assert.Single(Receivers.Feishu.Accepted).Body.GetProperty("card");
        Assert.Equal(("[bj-chaoyang] 2 firing, 1 resolved", "red"), (Text(card, "header", "title", "content"), Text(card, "header", "template")));
        var elements = card.GetProperty("elements").EnumerateArray().ToList();
        Assert.Equal(2, elements.Count);
        var lines = Text(elements[0], "text", "content").Split('\n');
        Assert.Equal(message.Rendered.Lines, lines);
        Assert.StartsWith("**FIRING** critical no2-critical at bj-chaoyang/air/air-02: no2 251 µg/m³ (threshold 200 µg/m³)", lines[1], StringComparison.Ordinal);
        Assert.Equal("<at id=all></at> <at id=ou_0123456789abcdef></at>", Text(elements[1], "text", "content"));
    }

    [Fact]
    public async Task A_resolved_message_is_green_and_an_info_one_blue()
    {
        var channel = Channel();

        await channel.SendAsync(Messages.Message("en", Messages.No2("air-02", 100, NotificationState.Resolved), Messages.Pm25("air-01", 60, NotificationState.Resolved)), Ct);
        await channel.SendAsync(Messages.Message("en", Messages.Ph("water-07", 5.5), Messages.No2("air-02", 100, NotificationState.Resolved)), Ct);

        Assert.Equal(["green", "blue"], Receivers.Feishu.Accepted.Select(a => Text(a.Body, "card", "header", "template")));
    }

    [Fact]
    public async Task Older_replies_with_status_code_only_count_as_delivered()
    {
        Receivers.Feishu.LegacyReplies = true;

        await Channel().SendAsync(Messages.Message("en", Messages.Pm25("air-01", 80)), Ct);

        Assert.Single(Receivers.Feishu.Accepted);
    }

    [Fact]
    public async Task A_clock_more_than_an_hour_off_fails_the_signature_check_and_is_not_retried()
    {
        var skewed = new FakeTimeProvider(Time.GetUtcNow().AddMinutes(61));

        var refusal = await RefusedAsync(() => Channel(clock: skewed).SendAsync(Messages.Message("en", Messages.Pm25("air-01", 80)), Ct));

        Assert.False(refusal.Retryable);
        Assert.Contains("19021", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("sign match fail", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_secret_fails_the_signature_check()
    {
        var refusal = await RefusedAsync(() => Channel(secret: "not-the-bots").SendAsync(Messages.Message("en", Messages.Pm25("air-01", 80)), Ct));

        Assert.False(refusal.Retryable);
        Assert.Contains("19021", refusal.Message, StringComparison.Ordinal);
        Assert.Empty(Receivers.Feishu.Accepted);
    }

    [Fact]
    public async Task Frequency_limited_is_retryable_after_a_minute()
    {
        var channel = Channel();
        var message = Messages.Message("en", Messages.Pm25("air-01", 80));
        Receivers.Feishu.SendTooFast(1);

        var refusal = await RefusedAsync(() => channel.SendAsync(message, Ct));
        Assert.True(refusal.Retryable);
        Assert.Equal(TimeSpan.FromSeconds(60), refusal.RetryAfter);
        Assert.Contains("11232", refusal.Message, StringComparison.Ordinal);

        await channel.SendAsync(message, Ct);
        Assert.Single(Receivers.Feishu.Accepted);
    }

    [Fact]
    public async Task A_missing_keyword_is_not_retried_and_a_present_one_passes()
    {
        Receivers.Feishu.Keyword = "环境告警";

        var refusal = await RefusedAsync(() => Channel().SendAsync(Messages.Message("zh-CN", Messages.Pm25("air-01", 80)), Ct));
        Assert.False(refusal.Retryable);
        Assert.Contains("19024", refusal.Message, StringComparison.Ordinal);

        Receivers.Feishu.Keyword = "告警";
        await Channel().SendAsync(Messages.Message("zh-CN", Messages.Pm25("air-01", 80)), Ct);
        Assert.Single(Receivers.Feishu.Accepted);
    }

    [Fact]
    public async Task Without_a_secret_the_body_has_no_signature()
    {
        Receivers.Feishu.Secret = null;

        await Channel(secret: null).SendAsync(Messages.Message("en", Messages.Pm25("air-01", 80)), Ct);

        var body = Assert.Single(Receivers.Feishu.Accepted).Body;
        Assert.False(body.TryGetProperty("timestamp", out _) || body.TryGetProperty("sign", out _));
    }

    [Theory]
    [InlineData("zh-CN", "另有")]
    [InlineData("en", "and")]
    public async Task A_storm_of_200_alerts_is_cut_to_the_20_kb_body_limit_with_a_count_of_the_rest(string language, string word)
    {
        var message = Messages.Storm(language, 200);

        await Channel().SendAsync(message, Ct);

        var accepted = Assert.Single(Receivers.Feishu.Accepted);
        Assert.InRange(accepted.Raw.Length, 15_000, FeishuChannel.MaxBodyBytes);
        var lines = Text(accepted.Body.GetProperty("card").GetProperty("elements")[0], "text", "content").Split('\n');
        Assert.Equal(message.Rendered.Lines.Take(lines.Length - 1), lines[..^1]);
        var more = MoreLine().Match(lines[^1]);
        Assert.True(more.Success, lines[^1]);
        Assert.Contains(word, more.Value, StringComparison.Ordinal);
        Assert.Equal(200 - (lines.Length - 1), int.Parse(more.Groups["n"].Value, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void The_sign_is_the_one_feishus_python_sample_computes()
    {
        // Feishu's sample: hmac.new(f"{timestamp}\n{secret}".encode("utf-8"), digestmod=hashlib.sha256), base64.
        Assert.Equal("jquNHnVOwmDRfw+vqTIrY5dooJAgi5EcRtLsQE4wfXg=", FeishuChannel.Sign(100, "demo"));
        Assert.Equal("3sA0RS755ItICMJpDV0qSS54Iw61qCrVP4vqREbXV94=", FeishuChannel.Sign(1767225600, "demo-secret"));
    }

    [Theory]
    [InlineData(11232, "frequency limited", true, 60)]
    [InlineData(11233, "create message chat trigger rate limit", true, 60)]
    [InlineData(9499, "too many request", true, 60)]
    [InlineData(9499, "Bad Request", false, null)]
    [InlineData(19021, "sign match fail or timestamp is not within one hour from current time", false, null)]
    [InlineData(19022, "Ip Not Allowed", false, null)]
    [InlineData(19024, "Key Words Not Found", false, null)]
    [InlineData(19001, "param invalid: incoming webhook access token invalid", false, null)]
    [InlineData(99991400, "request trigger frequency limit", true, null)]
    public void Codes_map_to_retryable_or_not(long code, string msg, bool retryable, int? seconds)
    {
        var refusal = FeishuChannel.Refusal(code, msg, null);

        Assert.NotNull(refusal);
        Assert.Equal((retryable, seconds is { } s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null), (refusal.Retryable, refusal.RetryAfter));
        Assert.Null(FeishuChannel.Refusal(0, "success", null));
    }

    [GeneratedRegex(@"^… (and (?<n>\d+) more|另有 (?<n>\d+) 条未列出)$")]
    private static partial Regex MoreLine();

    private FeishuChannel Channel(string? secret = "", List<string>? mentions = null, bool mentionAll = false, TimeProvider? clock = null) => new(
        new ChannelOptions
        {
            Name = "feishu",
            Type = "feishu",
            Url = Receivers.FeishuUrl(),
            Secret = secret == string.Empty ? Receivers.Feishu.Secret : secret,
            Mentions = mentions ?? [],
            MentionAllOnCritical = mentionAll,
        },
        Http,
        clock ?? Time,
        NullLogger<FeishuChannel>.Instance);
}
