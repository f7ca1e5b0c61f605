using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Channels;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace EcoMonitor.Service.Tests.Notifications;

/// <summary>The WeCom group robot: Markdown within 4096 bytes, &lt;@userid&gt; mentions, @all for critical alerts, errcodes.</summary>
public sealed partial class WeComChannelTests : ChannelTest
{
    [Fact]
    public async Task One_notification_is_the_rendered_markdown_in_chinese()
    {
        var message = Messages.Message("zh-CN", Messages.Pm25("air-01", 86.4));

        await Channel().SendAsync(message, Ct);

        var body = Assert.Single(Receivers.WeCom.Accepted).Body;
        Assert.Equal("markdown", Text(body, "msgtype"));
        var content = Text(body, "markdown", "content");
        Assert.Equal(message.Rendered.Markdown.TrimEnd('\n'), content);
        Assert.StartsWith("### 【告警】警告 pm25-high · bj-chaoyang/air-01", content, StringComparison.Ordinal);
        Assert.Contains("PM2.5 86.4 µg/m³（阈值 75 µg/m³）", content, StringComparison.Ordinal);
        Assert.Contains("依据：GB 3095-2012", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Three_notifications_in_english_mention_user_ids_on_the_last_line()
    {
        var message = Messages.Message(
            "en",
            Messages.Pm25("air-01", 86.4),
            Messages.Ph("water-07", 5.2),
            Messages.Pm25("air-03", 40, NotificationState.Resolved));

        await Channel(mentions: ["ZhangSan", "li.si"]).SendAsync(message, Ct);

        var content = Text(Assert.Single(Receivers.WeCom.Accepted).Body, "markdown", "content");
        Assert.StartsWith("### [bj-chaoyang] 2 firing, 1 resolved", content, StringComparison.Ordinal);
        Assert.Contains("info ph-low at bj-chaoyang/water/water-07: ph 5.2 pH (threshold 6 pH)", content, StringComparison.Ordinal);
        Assert.Contains("bj-chaoyang/air/air-01", content, StringComparison.Ordinal);
        Assert.Contains("**RESOLVED** warning pm25-high at bj-chaoyang/air/air-03", content, StringComparison.Ordinal);
        Assert.EndsWith("\n<@ZhangSan> <@li.si>", content, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zh-CN", "另有")]
    [InlineData("en", "and")]
    public async Task A_storm_of_200_alerts_is_cut_at_line_boundaries_under_4096_bytes_with_a_count_of_the_rest(string language, string word)
    {
        var message = Messages.Storm(language, 200);
        Assert.True(Encoding.UTF8.GetByteCount(message.Rendered.Markdown) > 10 * WeComRobot.MarkdownLimit);

        await Channel(mentions: ["ops"]).SendAsync(message, Ct);

        var content = Text(Assert.Single(Receivers.WeCom.Accepted).Body, "markdown", "content");
        Assert.InRange(Encoding.UTF8.GetByteCount(content), WeComRobot.MarkdownLimit - 400, WeComRobot.MarkdownLimit);
        var lines = content.Split('\n');
        var listed = lines.Where(l => l.StartsWith("- ", StringComparison.Ordinal)).ToList();
        Assert.InRange(listed.Count, 5, 199);
        Assert.All(listed, l => Assert.Contains(l[2..], message.Rendered.Lines));
        Assert.Equal(message.Rendered.Lines.Take(listed.Count), listed.Select(l => l[2..]));
        var more = MoreLine().Match(lines[^2]);
        Assert.True(more.Success, lines[^2]);
        Assert.Contains(word, more.Value, StringComparison.Ordinal);
        Assert.Equal(200 - listed.Count, int.Parse(more.Groups["n"].Value, CultureInfo.InvariantCulture));
        Assert.Equal("<@ops>", lines[^1]);
    }

    [Fact]
    public void Content_that_fits_is_left_whole()
    {
        var message = Messages.Storm("zh-CN", 3);

        var (content, kept) = WeComChannel.Content(message, []);

        Assert.Equal((message.Rendered.Markdown.TrimEnd('\n'), 3), (content, kept));
    }

    [Fact]
    public async Task A_critical_alert_is_followed_by_an_at_all_text_message()
    {
        var message = Messages.Message("zh-CN", Messages.No2("air-02", 260), Messages.Pm25("air-01", 80));

        await Channel(mentionAll: true).SendAsync(message, Ct);

        var accepted = Receivers.WeCom.Accepted.ToList();
        Assert.Equal(["markdown", "text"], accepted.Select(a => Text(a.Body, "msgtype")));
        var text = accepted[1].Body.GetProperty("text");
        Assert.Equal(message.Rendered.Title, Text(text, "content"));
        Assert.Equal(["@all"], text.GetProperty("mentioned_list").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task Without_a_critical_alert_firing_there_is_no_at_all_message()
    {
        await Channel(mentionAll: true).SendAsync(Messages.Message("en", Messages.Pm25("air-01", 80), Messages.No2("air-02", 90, NotificationState.Resolved)), Ct);

        Assert.Equal("markdown", Text(Assert.Single(Receivers.WeCom.Accepted).Body, "msgtype"));
    }

    [Fact]
    public async Task A_refused_at_all_message_does_not_fail_the_delivered_one()
    {
        Receivers.WeCom.SendTooFast(1, after: 1);

        await Channel(mentionAll: true).SendAsync(Messages.Message("en", Messages.No2("air-02", 260)), Ct);

        Assert.Equal("markdown", Text(Assert.Single(Receivers.WeCom.Accepted).Body, "msgtype"));
    }

    [Fact]
    public async Task Api_freq_out_of_limit_is_retryable_after_a_minute()
    {
        var channel = Channel();
        var message = Messages.Message("en", Messages.Pm25("air-01", 80));
        Receivers.WeCom.SendTooFast(1);

        var refusal = await RefusedAsync(() => channel.SendAsync(message, Ct));
        Assert.True(refusal.Retryable);
        Assert.Equal(TimeSpan.FromSeconds(60), refusal.RetryAfter);
        Assert.Contains("45009", refusal.Message, StringComparison.Ordinal);

        await channel.SendAsync(message, Ct);
        Assert.Single(Receivers.WeCom.Accepted);
    }

    [Fact]
    public async Task An_unknown_key_is_not_retried()
    {
        var refusal = await RefusedAsync(() => Channel(url: Receivers.WeComUrl("00000000-0000-0000-0000-000000000000")).SendAsync(Messages.Message("en", Messages.Pm25("air-01", 80)), Ct));

        Assert.False(refusal.Retryable);
        Assert.Contains("93000", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Receivers.WeCom.Key, refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(45009, true, 60)]
    [InlineData(45011, true, 60)]
    [InlineData(45033, true, null)]
    [InlineData(-1, true, null)]
    [InlineData(93000, false, null)]
    [InlineData(93004, false, null)]
    [InlineData(40058, false, null)]
    [InlineData(40008, false, null)]
    [InlineData(44004, false, null)]
    [InlineData(45002, false, null)]
    [InlineData(60020, true, null)]
    public void Errcodes_map_to_retryable_or_not(long errcode, bool retryable, int? seconds)
    {
        var refusal = WeComChannel.Refusal(errcode, "x", null);

        Assert.NotNull(refusal);
        Assert.Equal((retryable, seconds is { } s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null), (refusal.Retryable, refusal.RetryAfter));
        Assert.Null(WeComChannel.Refusal(0, "ok", null));
    }

    [GeneratedRegex(@"^… (and (?<n>\d+) more|另有 (?<n>\d+) 条未列出)$")]
    private static partial Regex MoreLine();

    private WeComChannel Channel(Uri? url = null, List<string>? mentions = null, bool mentionAll = false) => new(
        new ChannelOptions
        {
            Name = "wecom",
            Type = "wecom",
            Url = url ?? Receivers.WeComUrl(),
            Mentions = mentions ?? [],
            MentionAllOnCritical = mentionAll,
        },
        Http,
        Time,
        NullLogger<WeComChannel>.Instance);
}
