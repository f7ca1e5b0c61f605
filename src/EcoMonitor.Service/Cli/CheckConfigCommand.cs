using System.CommandLine;
using EcoMonitor.Alerting;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Ingest.Ingestion;
using EcoMonitor.Ingest.Mqtt;
using EcoMonitor.Service.Hosting;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Cli;

/// <summary>
/// <c>check-config [--rules P] [--Key=Value…]</c>: validates the configuration exactly as the host
/// does at start, and the alert rules file, listing every problem; exit 0 when there is no error
/// (warnings allowed), 1 otherwise. Like <c>promtool check rules</c>, it needs no broker or store.
/// </summary>
public static class CheckConfigCommand
{
    public const int Valid = 0;
    public const int Invalid = 1;

    /// <param name="configuration">
    /// Builds the configuration from the unmatched <c>--Key=Value</c> tokens; by default the
    /// host's own builder, so the sources and their order are the service's (appsettings.json in
    /// the current directory, appsettings.{Environment}.json, environment, command line).
    /// </param>
    public static Command Create(Func<IReadOnlyList<string>, IConfiguration>? configuration = null)
    {
        configuration ??= HostConfiguration;
        var rules = new Option<string?>("--rules")
        {
            Description = "the alert rules file to check (default: Alerts:RulesFile, else alert-rules.yaml in the current "
                + "directory, then beside the executable; a missing default file only means no rules, a missing named file is an error)",
        };
        var command = new Command("check-config", "Validate the configuration and the alert rules file; list every problem, exit 0 if none is an error, else 1")
        {
            rules,
        };

        // Configuration tokens (--Mqtt:Port=1884) are checked as the service would read them.
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, ct) => RunAsync(
            configuration(parse.UnmatchedTokens),
            parse.GetValue(rules),
            parse.InvocationConfiguration.Output,
            ct));
        return command;
    }

    public static async Task<int> RunAsync(IConfiguration configuration, string? rulesPath, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(output);
        var errors = 0;
        var warnings = 0;

        async Task ReportAsync(string where, bool error, string message)
        {
            _ = error ? errors++ : warnings++;
            await output.WriteLineAsync($"{where}: {(error ? "error" : "warning")}: {message}");
        }

        // The same registrations as the running host; then every validated options type is
        // resolved, which runs all its validators (data annotations and custom) at once.
        var services = new ServiceCollection().AddEcoMonitorService(configuration);
        var optionTypes = services
            .Select(d => d.ServiceType)
            .Where(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IValidateOptions<>))
            .Select(t => t.GetGenericArguments()[0])
            .Distinct()
            .ToList();

        // A derived options type's validation covers its base (MqttOptions over the broker
        // connection both bind): each problem is reported once.
        optionTypes = [.. optionTypes.Where(t => !optionTypes.Exists(other => other != t && t.IsAssignableFrom(other))).OrderBy(t => t.Name, StringComparer.Ordinal)];
        var provider = services.BuildServiceProvider();
        await using (provider)
        {
            foreach (var type in optionTypes)
            {
                foreach (var failure in OptionFailures(provider, type))
                {
                    await ReportAsync($"configuration ({type.Name})", error: true, failure);
                }
            }

            foreach (var (where, suggestion) in TopicSuggestions(configuration, provider.GetRequiredService<PayloadFormats>()))
            {
                await ReportAsync(where, error: false, suggestion);
            }

            var alerts = new AlertOptions();
            configuration.GetSection(AlertOptions.Section).Bind(alerts);
            var catalog = Catalog(provider);
            var (path, named) = alerts.ResolveRulesFile(rulesPath);
            var ruleCount = 0;
            if (!File.Exists(path))
            {
                if (named)
                {
                    await ReportAsync(path, error: true, "rules file not found");
                }
            }
            else
            {
                string? text = null;
                try
                {
                    text = await File.ReadAllTextAsync(path, cancellationToken);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    await ReportAsync(path, error: true, $"cannot read the rules file: {ex.Message}");
                }

                if (text is not null)
                {
                    var file = new RulesFileParser(catalog).Parse(text);
                    ruleCount = file.Rules.Count;
                    foreach (var problem in file.Problems)
                    {
                        await ReportAsync($"{path}:{problem.Line}:{problem.Column}", problem.IsError, problem.Message);
                    }
                }
            }

            // Only the two keys read here: a value that does not bind is reported above, not thrown.
            var mqtt = new MqttOptions
            {
                SharedGroup = configuration[$"{MqttOptions.Section}:{nameof(MqttOptions.SharedGroup)}"],
                SharedGroupSticky = bool.TryParse(configuration[$"{MqttOptions.Section}:{nameof(MqttOptions.SharedGroupSticky)}"], out var sticky) && sticky,
            };
            if (ScaleOutGuard.Problem(mqtt, ruleCount) is { } scaleOut)
            {
                await ReportAsync("configuration (Mqtt:SharedGroup)", error: true, scaleOut);
            }

            var rulesSummary = File.Exists(path) ? $"{path}: {ruleCount} valid rule(s)" : $"no rules file ({path} not found)";
            await output.WriteLineAsync($"check-config: {errors} error(s), {warnings} warning(s); configuration checked; {rulesSummary}");
        }

        return errors == 0 ? Valid : Invalid;
    }

    private static IEnumerable<string> OptionFailures(IServiceProvider provider, Type type)
    {
        var options = typeof(IOptions<>).MakeGenericType(type);
        try
        {
            // IOptions<T>.Value through the interface: the implementation type is internal.
            _ = options.GetProperty(nameof(IOptions<object>.Value))!.GetValue(provider.GetRequiredService(options));
        }
        catch (System.Reflection.TargetInvocationException invocation) when (invocation.InnerException is OptionsValidationException ex)
        {
            return ex.Failures;
        }
        catch (System.Reflection.TargetInvocationException invocation) when (invocation.InnerException is InvalidOperationException ex)
        {
            // Binding failures: a value that does not convert to the property's type.
            return [ex.InnerException is null ? ex.Message : $"{ex.Message} {ex.InnerException.Message}"];
        }

        return [];
    }

    /// <summary>
    /// A subscription that names a format but no topic gets the native pattern, and native topics are
    /// not where devices of another format publish: suggest the format's conventional topic
    /// (docs/formats.md), and the fixed Site and Kind it needs when its levels name none.
    /// </summary>
    private static IEnumerable<(string Where, string Suggestion)> TopicSuggestions(IConfiguration configuration, PayloadFormats formats)
    {
        var native = SubscriptionProfile.NativePattern;
        foreach (var subscription in configuration.GetSection("Mqtt:Subscriptions").GetChildren())
        {
            var topic = subscription["Topic"];
            if ((!string.IsNullOrEmpty(topic) && topic != native.Pattern && topic != native.Filter)
                || subscription["Format"] is not { Length: > 0 } format
                || formats.Find(format) is not { ConventionalTopic: var conventional } decoder
                || conventional.Pattern == native.Pattern)
            {
                continue;
            }

            var unset = new[] { "Site", "Kind" }
                .Where(name => !conventional.Captures.Contains(name.ToLowerInvariant(), StringComparer.Ordinal) && string.IsNullOrEmpty(subscription[name]))
                .ToList();
            var also = unset.Count == 0 ? string.Empty : $", and set {string.Join(" and ", unset)} (that topic names no {string.Join(" or ", unset.Select(n => n.ToLowerInvariant()))})";
            var where = string.IsNullOrEmpty(topic) ? $"without a Topic subscribes to the native topics {native.Pattern}" : $"on Topic '{topic}' subscribes to the native topics";
            yield return (
                subscription.Path,
                $"Format '{format}' {where}; {decoder.Format} devices conventionally publish on {conventional}: set Topic to '{conventional}'{also}");
        }
    }

    /// <summary>The configured catalog, so rules may use metrics added by configuration.</summary>
    private static MetricCatalog Catalog(IServiceProvider provider)
    {
        try
        {
            return provider.GetRequiredService<IOptions<CatalogOptions>>().Value.Build();
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
        {
            // Already reported above; check the rules against the built-in catalog.
            return MetricCatalog.Default;
        }
    }

    internal static IConfiguration HostConfiguration(IReadOnlyList<string> tokens) =>
        WebApplication.CreateBuilder(new WebApplicationOptions { Args = [.. tokens] }).Configuration;
}
