using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;
using EcoMonitor.FirmwareSim.Cli;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Mqtt;

namespace EcoMonitor.Service.Tests.FirmwareSim;

/// <summary>
/// The simulator's MQTT login (firmware-sim README "Credentials") against the shipped broker config:
/// each node logs in as its device with the demo's common password; the load generator on one shared
/// account, which only this test's ACL grants; wrong or missing logins end the run with exit code 1.
/// </summary>
public sealed class SimulatorCredentialsTests
{
    private const string DemoPassword = "demo-password-for-the-test";
    private const string LoadUser = "load-test";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>The devices of <c>--sites 1 --nodes-per-kind 2</c>: the broker's demo accounts.</summary>
    private static readonly string[] Devices = ["air-01", "air-02", "soil-01", "soil-02", "water-01", "water-02"];

    [Fact(Timeout = 120_000)]
    public async Task With_each_devices_login_the_fleet_publishes_and_every_reading_arrives()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await StartAsync(ct);
        var received = new ConcurrentQueue<string>();
        using var service = await ShippedBrokerConfigTests.SubscribeAsServiceAsync(broker, received, ct);

        var (exit, error) = await InvokeAsync(ct, [.. Fleet(broker), "--username", "{device}", "--password-file", await PasswordFileAsync(broker, DemoPassword, ct)]);

        Assert.True(exit == FleetCommand.Success, error);
        // 1 s at 200 ms: 5 messages per node.
        await Eventually.WaitAsync(() => DataTopics(received).Count >= 30, Deadline, "30 readings messages at the service's subscription", ct);
        Assert.Equal(30, DataTopics(received).Count);
        Assert.Equal(Devices, DataTopics(received).Select(t => t.Split('/')[^1]).Distinct().Order(StringComparer.Ordinal));
        Assert.DoesNotContain("Denied PUBLISH", broker.ReadLog(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_wrong_password_from_the_environment_ends_the_run_with_a_clear_error_and_exit_code_1()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await StartAsync(ct);
        const string wrong = "not-the-demo-password";

        // The simulator as it runs in the stack: its own process, the password in FIRMWARE_SIM_MQTT_PASSWORD.
        var run = await ToolRun.RunAsync(
            ServerBinaries.Find("dotnet"),
            [Path.Combine(AppContext.BaseDirectory, "EcoMonitor.FirmwareSim.dll"), .. Fleet(broker), "--username", "{device}"],
            environment: new Dictionary<string, string?> { [FleetCommand.PasswordVariable] = wrong },
            cancellationToken: ct);

        Assert.True(run.ExitCode == FleetCommand.ConnectionFailure, run.Output);
        Assert.Contains("cannot connect to MQTT broker", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("refused: wrong user name or password", run.StandardError, StringComparison.Ordinal);
        Assert.Matches("login as '(air|water|soil)-0[12]'", run.StandardError);
        Assert.DoesNotContain(wrong, run.Output, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task Without_a_login_the_shipped_broker_refuses_the_fleet_and_the_error_says_it_wants_one()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await StartAsync(ct);

        var (exit, error) = await InvokeAsync(ct, Fleet(broker));

        Assert.True(exit == FleetCommand.ConnectionFailure, error);
        Assert.Contains("the broker wants a login", error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task The_load_generator_publishes_on_a_shared_account_and_a_wrong_password_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        // A shared account may write every node's topic: the shipped ACL has none, this test's copy adds one.
        await using var broker = await StartAsync(ct, $"user {LoadUser}\ntopic write eco/#");
        var received = new ConcurrentQueue<string>();
        using var service = await ShippedBrokerConfigTests.SubscribeAsServiceAsync(broker, received, ct);
        string[] load = ["load", "--host", broker.Host, "--port", broker.Port.ToString(CultureInfo.InvariantCulture), "--rate", "50", "--devices", "5", "--connections", "2", "--duration", "1s", "--username", LoadUser];

        var (exit, error) = await InvokeAsync(ct, [.. load, "--password-file", await PasswordFileAsync(broker, DemoPassword, ct)]);
        Assert.True(exit == FleetCommand.Success, error);
        await Eventually.WaitAsync(() => DataTopics(received).Count >= 50, Deadline, "the 50 load messages at the service's subscription", ct);

        var (refused, refusal) = await InvokeAsync(ct, [.. load, "--password", "not-the-password"]);
        Assert.True(refused == FleetCommand.ConnectionFailure, refusal);
        Assert.Contains($"login as '{LoadUser}' refused", refusal, StringComparison.Ordinal);
    }

    /// <summary>The shipped config with the demo accounts: one per device, all with <see cref="DemoPassword"/>.</summary>
    private static Task<MosquittoServer> StartAsync(CancellationToken ct, string? aclAppendix = null) =>
        ShippedBrokerConfigTests.StartShippedAsync(
            ct,
            moreUsers: Devices.Append(LoadUser).ToDictionary(user => user, _ => DemoPassword),
            aclAppendix: aclAppendix);

    private static string[] Fleet(MosquittoServer broker) =>
        ["--host", broker.Host, "--port", broker.Port.ToString(CultureInfo.InvariantCulture), "--sites", "1", "--nodes-per-kind", "2", "--interval", "200ms", "--duration", "1s", "--client-id-prefix", "credentials-test"];

    private static async Task<string> PasswordFileAsync(MosquittoServer broker, string password, CancellationToken ct)
    {
        var path = Path.Combine(broker.Folder, "simulator-password");
        await File.WriteAllTextAsync(path, password + "\n", ct);
        return path;
    }

    private static List<string> DataTopics(ConcurrentQueue<string> received) =>
        [.. received.Where(topic => !topic.EndsWith("/status", StringComparison.Ordinal))];

    private static async Task<(int Exit, string Error)> InvokeAsync(CancellationToken ct, string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await FleetCommand.Create(TimeProvider.System).Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, ct);
        return (exit, error.ToString());
    }
}
