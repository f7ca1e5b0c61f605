using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Catalog;
using Xunit;

namespace EcoMonitor.Core.Tests.Alerting.Rules;

/// <summary><c>public</c> and <c>public_title</c> (docs/alert-rules.md#public): what the public feed publishes.</summary>
public sealed class PublicRuleTests
{
    private static RulesFile Parse(string yaml) => new RulesFileParser(MetricCatalog.Default).Parse(yaml);

    [Fact]
    public void A_rule_is_not_public_unless_it_says_so_and_public_true_with_a_title_in_both_languages_parses()
    {
        var file = Parse("""
            rules:
              - name: pm25-high
                kind: air
                metric: pm25
                above: 75
                severity: warning
                public: true
                public_title: {zh: PM2.5浓度超标, en: Fine particles above the limit}
              - name: pm25-internal
                kind: air
                metric: pm25
                above: 70
                severity: info
              - name: pm10-high
                kind: air
                metric: pm10
                above: 150
                severity: warning
                public: false
            """);
        Assert.Empty(file.Problems);
        Assert.Equal([true, false, false], file.Rules.Select(r => r.Public));
        Assert.Equal(new PublicText("PM2.5浓度超标", "Fine particles above the limit"), file.Rules[0].PublicTitle);
        Assert.Null(file.Rules[1].PublicTitle);
    }

    [Fact]
    public void A_profile_passes_public_and_its_title_on_to_every_rule_it_expands_into()
    {
        var file = Parse("""
            rules:
              - name: river
                profile: gb3838-class3
                severity: critical
                public: true
                public_title: {zh: 河流水质超标, en: River water quality below class III}
            """);
        Assert.Empty(file.Problems);
        Assert.True(AlertProfiles.TryExpand(file.Rules[0], out var expanded));
        Assert.True(expanded.Count > 3);
        Assert.All(expanded, r => Assert.True(r.Public && r.PublicTitle == new PublicText("河流水质超标", "River water quality below class III"), r.Name));
    }

    [Theory]
    [InlineData("public: yes", "public must be true or false", 7)]
    [InlineData("public: [true]", "'public' must be a single value", 7)]
    [InlineData("public: true\n    public_title: Fine particles", "public_title must be a mapping", 8)]
    [InlineData("public: true\n    public_title: {en: Fine particles}", "public_title needs 'zh'", 8)]
    [InlineData("public: true\n    public_title: {zh: 超标, en: \"<b>bold</b>\"}", "plain text", 8)]
    [InlineData("public: true\n    public_title: {zh: 超标, en: ok, fr: non}", "unknown key 'fr' in public_title", 8)]
    public void Wrong_public_keys_are_errors_on_their_line_and_the_rule_is_not_loaded(string keys, string message, int line)
    {
        var file = Parse($"""
            rules:
              - name: pm25-high
                kind: air
                metric: pm25
                above: 75
                severity: warning
                {keys}
            """);
        var problem = Assert.Single(file.Problems, p => p.IsError);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
        Assert.Equal(line, problem.Line);
        Assert.Empty(file.Rules);
    }

    [Fact]
    public void A_title_too_long_for_a_headline_is_refused()
    {
        var file = Parse($$"""
            rules:
              - name: pm25-high
                kind: air
                metric: pm25
                above: 75
                severity: warning
                public: true
                public_title: {zh: 超标, en: {{new string('x', PublicText.MaxLength + 1)}}}
            """);
        Assert.Contains(file.Problems, p => p.IsError && p.Message.Contains("1–80 characters", StringComparison.Ordinal));
    }

    [Fact]
    public void A_title_without_public_true_is_a_warning_and_the_rule_stays_private()
    {
        var file = Parse("""
            rules:
              - name: pm25-high
                kind: air
                metric: pm25
                above: 75
                severity: warning
                public_title: {zh: 超标, en: Above the limit}
            """);
        var problem = Assert.Single(file.Problems);
        Assert.Equal(ProblemSeverity.Warning, problem.Severity);
        Assert.False(Assert.Single(file.Rules).Public);
    }
}
