using EcoMonitor.Ingest.Storage;
using Microsoft.Extensions.Configuration;

namespace EcoMonitor.Service.Tests.Storage;

/// <summary>The store's options are refused at start when the write API would refuse them on every write (docs/schema.md#writing).</summary>
public sealed class InfluxOptionsTests
{
    [Theory]
    [InlineData("Version=0")]
    [InlineData("Version=3")]
    [InlineData("Url=")]
    [InlineData("Url=not a url")]
    [InlineData("Bucket=")]
    [InlineData("Org=")]
    [InlineData("Timeout=00:00:00")]
    [InlineData("Timeout=00:11:00")]
    [InlineData("RetryAttempts=0")]
    [InlineData("BreakDuration=00:00:00.100")]
    [InlineData("Version=1", "Username=eco")]
    [InlineData("Version=1", "Password=secret")]
    [InlineData("Version=2", "Username=eco", "Password=secret")]
    [InlineData("Version=2", "RetentionPolicy=autogen")]
    [InlineData("Version=1", "Username=eco", "Password=secret", "Token=eco:secret")]
    public void A_setting_the_store_would_refuse_is_refused_at_start(params string[] settings)
    {
        var result = Validate(settings);

        Assert.True(result.Failed, $"{string.Join(", ", settings)} was accepted");
        Assert.Contains("Influx", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData]
    [InlineData("Version=2", "Token=a-v2-api-token")]
    [InlineData("Version=1")]
    [InlineData("Version=1", "RetentionPolicy=autogen")]
    [InlineData("Version=1", "Username=eco", "Password=secret")]
    [InlineData("Version=1", "Token=eco:secret")]
    [InlineData("Version=1", "Token=an-InfluxDB-2-API-token-for-its-v1-API")]
    public void A_consistent_setting_is_accepted(params string[] settings)
    {
        var result = Validate(settings);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(string[] settings)
    {
        var options = new InfluxOptions();
        var pairs = settings.Select(s => s.Split('=', 2)).Select(p => new KeyValuePair<string, string?>(p[0], p[1]));
        new ConfigurationBuilder().AddInMemoryCollection(pairs).Build().Bind(options);
        return new InfluxOptionsValidator().Validate(null, options);
    }
}
