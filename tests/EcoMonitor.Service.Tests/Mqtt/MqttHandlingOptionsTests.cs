using EcoMonitor.Ingest.Mqtt;
using Microsoft.Extensions.Configuration;

namespace EcoMonitor.Service.Tests.Mqtt;

/// <summary>The retry options of a failing message are refused at start outside what Polly's retry accepts.</summary>
public sealed class MqttHandlingOptionsTests
{
    [Theory]
    [InlineData(nameof(MqttOptions.HandlingRetries), "0")]
    [InlineData(nameof(MqttOptions.HandlingRetries), "101")]
    [InlineData(nameof(MqttOptions.HandlingRetryDelay), "00:00:00")]
    [InlineData(nameof(MqttOptions.HandlingRetryDelay), "00:02:00")]
    [InlineData(nameof(MqttOptions.HandlingMaxRetryDelay), "00:00:00")]
    public void A_handling_retry_option_out_of_range_is_refused(string option, string value)
    {
        var options = new MqttOptions();
        new ConfigurationBuilder().AddInMemoryCollection([new(option, value)]).Build().Bind(options);

        var result = new MqttOptionsValidator().Validate(null, options);

        Assert.True(result.Failed, $"{option}={value} was accepted");
        Assert.Contains(option, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_are_valid() => Assert.True(new MqttOptionsValidator().Validate(null, new MqttOptions()).Succeeded);
}
