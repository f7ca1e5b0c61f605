using System.Collections.Frozen;

namespace EcoMonitor.Service.Page;

/// <summary>
/// The page's words in Chinese and English (docs/page.md#language). A key missing in one language
/// falls back to English, and a key missing in both shows itself, so a gap is visible, never blank.
/// </summary>
public sealed class PageText
{
    public const string Zh = "zh";
    public const string En = "en";

    public static PageText Chinese { get; } = new(Zh, "zh-CN", ZhWords());

    public static PageText English { get; } = new(En, "en", EnWords());

    private readonly FrozenDictionary<string, string> _words;

    private PageText(string code, string htmlLang, Dictionary<string, string> words)
    {
        Code = code;
        HtmlLang = htmlLang;
        _words = words.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary><c>zh</c> or <c>en</c>: the query and cookie value.</summary>
    public string Code { get; }

    /// <summary>The <c>lang</c> attribute of the document.</summary>
    public string HtmlLang { get; }

    public bool IsChinese => Code == Zh;

    public string this[string key] => _words.TryGetValue(key, out var w) ? w : English._words.TryGetValue(key, out var e) ? e : key;

    public static PageText Of(string code) => code == Zh ? Chinese : English;

    internal IEnumerable<string> Keys => _words.Keys;

    private static Dictionary<string, string> EnWords() => new()
    {
        ["nav.alerts"] = "Alerts", ["nav.silences"] = "Silences", ["nav.sensors"] = "Sensors", ["nav.skip"] = "Skip to content",
        ["live.live"] = "live", ["live.reconnecting"] = "reconnecting", ["live.offline"] = "offline", ["live.paused"] = "paused",
        ["live.static"] = "not live (reload for news)", ["live.updated"] = "updated", ["live.pause"] = "Pause", ["live.resume"] = "Resume",
        ["live.reload"] = "Reload", ["tz"] = "Time zone", ["lang.switch"] = "中文", ["lang.switch.label"] = "切换到中文",
        ["login"] = "Log in", ["logout"] = "Log out", ["user.viewer"] = "viewer (read only)", ["user.officer"] = "officer",
        ["summary"] = "Summary", ["summary.firing"] = "firing", ["summary.unacked"] = "unacknowledged", ["summary.silenced"] = "silenced",
        ["summary.sensors"] = "sensors", ["summary.clear"] = "Clear filters", ["summary.filtered"] = "Filtered:",
        ["sev.critical"] = "critical", ["sev.warning"] = "warning", ["sev.info"] = "info",
        ["status.online"] = "online", ["status.stale"] = "stale", ["status.offline"] = "offline",
        ["firing.title"] = "Firing alerts", ["firing.none"] = "Nothing is firing.", ["firing.none.filtered"] = "No firing alert matches the filter.",
        ["resolved.title"] = "Resolved in the last 24 h", ["resolved.none"] = "Nothing resolved in the last 24 h.",
        ["col.severity"] = "Severity", ["col.alert"] = "Alert", ["col.where"] = "Site / device", ["col.value"] = "Value vs threshold",
        ["col.standard"] = "Standard", ["col.started"] = "Started", ["col.ended"] = "Ended", ["col.ack"] = "Acknowledged", ["col.silenced"] = "Silenced",
        ["col.actions"] = "Actions", ["col.status"] = "Status", ["col.lastseen"] = "Last seen", ["col.values"] = "Latest values",
        ["col.aqi"] = "AQI", ["col.water"] = "Water class", ["col.trend"] = "24 h", ["col.device"] = "Device", ["col.kind"] = "Kind",
        ["col.matchers"] = "Matchers", ["col.state"] = "State", ["col.period"] = "From – until", ["col.comment"] = "Comment",
        ["col.author"] = "By", ["col.matches"] = "Matches now", ["col.soil"] = "Soil",
        ["site"] = "Site", ["late"] = "from a replayed backlog", ["threshold"] = "threshold",
        ["ack.by"] = "by", ["ack.at"] = "at", ["ack.none"] = "not acknowledged", ["silenced.until"] = "until", ["silenced.no"] = "no",
        ["act.ack"] = "Acknowledge", ["act.comment"] = "Comment (optional)", ["act.silence"] = "Silence…", ["act.details"] = "Details",
        ["act.viewer"] = "Only officers can acknowledge or silence.", ["act.login"] = "Log in as an officer to acknowledge or silence.",
        ["silence.new"] = "New silence", ["silence.for"] = "For", ["silence.comment"] = "Comment (required: why)", ["silence.create"] = "Create silence",
        ["silence.preview"] = "Preview", ["silence.preview.title"] = "Alerts firing now that this silence would match",
        ["silence.preview.none"] = "It matches no alert firing now.", ["silence.matchers"] = "Matchers (globs; empty = any)",
        ["silence.minseverity"] = "Severity at least", ["silence.any"] = "any",
        ["silences.title"] = "Silences", ["silences.none"] = "No silences.", ["silences.active"] = "active", ["silences.pending"] = "pending",
        ["silences.expired"] = "expired", ["silences.matchesnothing"] = "matches nothing", ["silences.endsin"] = "ends in",
        ["silences.startsin"] = "starts in", ["silences.extend"] = "Extend", ["silences.expire"] = "Expire now",
        ["silences.configured"] = "configured (change it in the configuration)", ["silences.filter"] = "Show",
        ["silences.all"] = "all",
        ["sensors.title"] = "Sensors by site", ["sensors.none"] = "No sensor has reported yet.", ["sensors.unavailable"] = "The sensor directory is not available in this service.",
        ["sensors.ago"] = "ago", ["sensors.never"] = "never",
        ["aqi.na"] = "NA", ["aqi.primary"] = "primary", ["water.class"] = "class", ["water.deciding"] = "deciding",
        ["soil.below-screening"] = "below screening", ["soil.above-screening"] = "above screening", ["soil.above-intervention"] = "above intervention",
        ["legend.title"] = "Air quality index (HJ 633): levels", ["legend.level"] = "Level", ["legend.range"] = "AQI",
        ["legend.category"] = "Category", ["legend.effects"] = "Health effects", ["legend.advice"] = "Advice",
        ["legend.water"] = "Surface water classes (GB 3838-2002)",
        ["details.title"] = "Alert", ["details.back"] = "Back to alerts", ["details.notfound"] = "No such alert (firing or recently resolved).",
        ["details.transitions"] = "Transitions", ["details.notifications"] = "Notifications", ["details.channels"] = "Channels",
        ["details.notifications.none"] = "The outbox no longer holds notifications of this alert (its journal is compacted after each state save).",
        ["details.channels.note"] = "Per-channel delivery counts are on /metrics (ecomonitor_notifications_sent_total, _failed_total, _pending).",
        ["details.value"] = "Value around the event", ["details.value.none"] = "No hourly means of this series are known.",
        ["details.start"] = "start", ["details.seq"] = "#", ["details.reason"] = "Reason", ["details.at"] = "At", ["details.state"] = "State",
        ["details.hour"] = "Hour", ["details.mean"] = "Mean", ["details.count"] = "Readings",
        ["reason.Started"] = "started", ["reason.SeverityChanged"] = "severity changed", ["reason.Ended"] = "ended", ["reason.Repeat"] = "repeated",
        ["reason.FlappingStarted"] = "flapping started", ["reason.FlappingEnded"] = "flapping ended", ["reason.Backlog"] = "backlog",
        ["reason.RuleChanged"] = "rule changed",
        ["state.firing"] = "firing", ["state.resolved"] = "resolved",
        ["announce.new"] = "New alert", ["announce.cleared"] = "Cleared",
        ["done.ack"] = "Acknowledged.", ["done.silence"] = "Silence created.", ["done.expire"] = "Silence expired.", ["done.extend"] = "Silence extended.",
        ["error"] = "Not done:", ["rel.now"] = "just now", ["rel.ago"] = "{0} ago", ["rel.in"] = "in {0}",
    };

    private static Dictionary<string, string> ZhWords() => new()
    {
        ["nav.alerts"] = "告警", ["nav.silences"] = "静默", ["nav.sensors"] = "传感器", ["nav.skip"] = "跳到正文",
        ["live.live"] = "实时", ["live.reconnecting"] = "正在重连", ["live.offline"] = "离线", ["live.paused"] = "已暂停",
        ["live.static"] = "未实时更新（请刷新）", ["live.updated"] = "更新于", ["live.pause"] = "暂停", ["live.resume"] = "继续",
        ["live.reload"] = "刷新", ["tz"] = "时区", ["lang.switch"] = "English", ["lang.switch.label"] = "Switch to English",
        ["login"] = "登录", ["logout"] = "退出", ["user.viewer"] = "查看者（只读）", ["user.officer"] = "值班员",
        ["summary"] = "概况", ["summary.firing"] = "告警中", ["summary.unacked"] = "未确认", ["summary.silenced"] = "已静默",
        ["summary.sensors"] = "传感器", ["summary.clear"] = "清除筛选", ["summary.filtered"] = "筛选：",
        ["sev.critical"] = "严重", ["sev.warning"] = "警告", ["sev.info"] = "提示",
        ["status.online"] = "在线", ["status.stale"] = "数据陈旧", ["status.offline"] = "离线",
        ["firing.title"] = "正在告警", ["firing.none"] = "当前没有告警。", ["firing.none.filtered"] = "没有符合筛选条件的告警。",
        ["resolved.title"] = "最近 24 小时已恢复", ["resolved.none"] = "最近 24 小时没有已恢复的告警。",
        ["col.severity"] = "级别", ["col.alert"] = "告警", ["col.where"] = "站点 / 设备", ["col.value"] = "数值 / 阈值",
        ["col.standard"] = "标准", ["col.started"] = "开始", ["col.ended"] = "结束", ["col.ack"] = "确认", ["col.silenced"] = "静默",
        ["col.actions"] = "操作", ["col.status"] = "状态", ["col.lastseen"] = "最后上报", ["col.values"] = "最新数值",
        ["col.aqi"] = "AQI", ["col.water"] = "水质类别", ["col.trend"] = "24 小时", ["col.device"] = "设备", ["col.kind"] = "类型",
        ["col.matchers"] = "匹配条件", ["col.state"] = "状态", ["col.period"] = "起止时间", ["col.comment"] = "说明",
        ["col.author"] = "创建人", ["col.matches"] = "当前匹配", ["col.soil"] = "土壤",
        ["site"] = "站点", ["late"] = "来自补传数据", ["threshold"] = "阈值",
        ["ack.by"] = "确认人", ["ack.at"] = "于", ["ack.none"] = "未确认", ["silenced.until"] = "至", ["silenced.no"] = "否",
        ["act.ack"] = "确认", ["act.comment"] = "备注（可选）", ["act.silence"] = "静默…", ["act.details"] = "详情",
        ["act.viewer"] = "只有值班员可以确认或静默。", ["act.login"] = "以值班员身份登录后可确认或静默。",
        ["silence.new"] = "新建静默", ["silence.for"] = "时长", ["silence.comment"] = "说明（必填：原因）", ["silence.create"] = "创建静默",
        ["silence.preview"] = "预览", ["silence.preview.title"] = "此静默将匹配的当前告警",
        ["silence.preview.none"] = "当前没有告警与之匹配。", ["silence.matchers"] = "匹配条件（通配符；留空表示任意）",
        ["silence.minseverity"] = "最低级别", ["silence.any"] = "任意",
        ["silences.title"] = "静默", ["silences.none"] = "没有静默。", ["silences.active"] = "生效中", ["silences.pending"] = "待生效",
        ["silences.expired"] = "已过期", ["silences.matchesnothing"] = "不匹配任何告警", ["silences.endsin"] = "剩余",
        ["silences.startsin"] = "距开始", ["silences.extend"] = "延长", ["silences.expire"] = "立即结束",
        ["silences.configured"] = "来自配置文件（请在配置中修改）", ["silences.filter"] = "显示",
        ["silences.all"] = "全部",
        ["sensors.title"] = "各站点传感器", ["sensors.none"] = "还没有传感器上报。", ["sensors.unavailable"] = "本服务未提供传感器目录。",
        ["sensors.ago"] = "前", ["sensors.never"] = "从未",
        ["aqi.na"] = "NA", ["aqi.primary"] = "首要污染物", ["water.class"] = "类", ["water.deciding"] = "定类指标",
        ["soil.below-screening"] = "低于筛选值", ["soil.above-screening"] = "超过筛选值", ["soil.above-intervention"] = "超过管制值",
        ["legend.title"] = "空气质量指数（HJ 633）分级", ["legend.level"] = "级别", ["legend.range"] = "AQI",
        ["legend.category"] = "类别", ["legend.effects"] = "对健康影响情况", ["legend.advice"] = "建议采取的措施",
        ["legend.water"] = "地表水环境质量类别（GB 3838-2002）",
        ["details.title"] = "告警", ["details.back"] = "返回告警列表", ["details.notfound"] = "没有这条告警（告警中或最近恢复的）。",
        ["details.transitions"] = "状态变化", ["details.notifications"] = "通知", ["details.channels"] = "通知渠道",
        ["details.notifications.none"] = "发件箱已不再保存这条告警的通知（每次保存状态后日志会压缩）。",
        ["details.channels.note"] = "各渠道的投递计数见 /metrics（ecomonitor_notifications_sent_total、_failed_total、_pending）。",
        ["details.value"] = "事件前后的数值", ["details.value.none"] = "没有这一序列的小时均值。",
        ["details.start"] = "开始", ["details.seq"] = "序号", ["details.reason"] = "原因", ["details.at"] = "时间", ["details.state"] = "状态",
        ["details.hour"] = "小时", ["details.mean"] = "均值", ["details.count"] = "读数个数",
        ["reason.Started"] = "开始", ["reason.SeverityChanged"] = "级别变化", ["reason.Ended"] = "结束", ["reason.Repeat"] = "重复提醒",
        ["reason.FlappingStarted"] = "开始抖动", ["reason.FlappingEnded"] = "抖动结束", ["reason.Backlog"] = "补传数据",
        ["reason.RuleChanged"] = "规则变更",
        ["state.firing"] = "告警中", ["state.resolved"] = "已恢复",
        ["announce.new"] = "新告警", ["announce.cleared"] = "已恢复",
        ["done.ack"] = "已确认。", ["done.silence"] = "已创建静默。", ["done.expire"] = "静默已结束。", ["done.extend"] = "静默已延长。",
        ["error"] = "未完成：", ["rel.now"] = "刚刚", ["rel.ago"] = "{0}前", ["rel.in"] = "{0}后",
    };
}
