using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using EcoMonitor.FirmwareSim.Cli;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Service.Hosting;
using EcoMonitor.Service.Tests.Fixtures;
using YamlDotNet.RepresentationModel;

namespace EcoMonitor.Service.Tests.Deploy;

/// <summary>
/// deploy/compose/ checked without a container engine (deploy/compose/README.md): Debian's
/// <c>docker-compose config</c> accepts it, its secrets have no defaults, every setting it gives the
/// service is an option the service binds, and its ports and volumes agree with the image, the
/// broker's config, Prometheus' target and Grafana's provisioning.
/// </summary>
public sealed partial class ComposeStackTests
{
    private static readonly Dictionary<string, string> Secrets = new()
    {
        ["MOSQUITTO_PASSWORD_FILE"] = "/dev/null",
        ["INFLUX_ADMIN_PASSWORD"] = "admin-password-for-the-test",
        ["INFLUX_TOKEN"] = "token-for-the-test",
        ["MQTT_PASSWORD"] = "mqtt-password-for-the-test",
        ["GRAFANA_ADMIN_PASSWORD"] = "grafana-password-for-the-test",
    };

    /// <summary>The demo accounts' common password: optional, the stack is accepted without it (deploy/compose/README.md).</summary>
    private const string DemoPassword = "DEMO_MQTT_PASSWORD";

    private static string ComposeDirectory => Path.Combine(ServiceProcess.RepositoryRoot().FullName, "deploy", "compose");

    [Fact(Timeout = 120_000)]
    public async Task Docker_compose_config_accepts_the_stack_and_refuses_it_without_each_secret()
    {
        var ct = TestContext.Current.CancellationToken;
        var (exit, output) = await ComposeConfigAsync(Secrets, ct);
        Assert.True(exit == 0, output);

        foreach (var secret in Secrets.Keys)
        {
            var (refused, message) = await ComposeConfigAsync(Secrets.Where(s => s.Key != secret).ToDictionary(), ct);
            Assert.True(refused != 0, $"the stack was accepted without {secret}");
            Assert.Contains(secret, message, StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task The_demo_profile_is_accepted_with_and_without_its_password_and_passes_it_to_the_simulator()
    {
        var ct = TestContext.Current.CancellationToken;
        // Debian's docker-compose 1.29 interpolates every service, enabled or not: a required demo
        // password would refuse the stack without the profile.
        foreach (var profile in new[] { null, "demo" })
        {
            var (exit, output) = await ComposeConfigAsync(Secrets, ct, profile);
            Assert.True(exit == 0, $"profile {profile ?? "none"}: {output}");
        }

        var withDemo = new Dictionary<string, string>(Secrets) { [DemoPassword] = "demo-password-for-the-test" };
        var simulator = (YamlMappingNode)(await ConfiguredServicesAsync(ct, withDemo, "demo"))["simulator"];
        Assert.Equal(["demo"], ((YamlSequenceNode)simulator["profiles"]).Children.Select(p => p.ToString()));
        var environment = ((YamlMappingNode)simulator["environment"]).Children.ToDictionary(e => e.Key.ToString(), e => e.Value.ToString());
        Assert.Equal("demo-password-for-the-test", environment[FleetCommand.PasswordVariable]);
        Assert.Equal([FleetCommand.PasswordVariable], environment.Keys);
    }

    [Fact(Timeout = 120_000)]
    public async Task The_simulator_is_the_demo_fleet_on_mosquittos_listener_built_by_its_own_target()
    {
        var ct = TestContext.Current.CancellationToken;
        var services = await ConfiguredServicesAsync(ct, profile: "demo");
        var simulator = (YamlMappingNode)services["simulator"];
        var command = ((YamlSequenceNode)simulator["command"]).Children.Select(c => c.ToString()).ToArray();

        // A command line the simulator accepts, logging each node in as its device (the shipped ACL).
        var parsed = FleetCommand.Create(TimeProvider.System).Parse(command);
        Assert.True(parsed.Errors.Count == 0, string.Join('\n', parsed.Errors.Select(e => e.Message)));
        Assert.Equal(MqttCredentials.DevicePlaceholder, parsed.GetValue<string>("--username"));
        Assert.Null(parsed.GetResult("--password"));

        // The broker: mosquitto's service and its config's listener.
        var host = parsed.GetValue<string>("--host")!;
        Assert.True(services.Children.ContainsKey(host), $"--host {host} is not a service of the stack");
        Assert.Equal(await ListenerAsync(ct), parsed.GetValue<int>("--port"));
        Assert.Contains(host, ((YamlMappingNode)simulator["depends_on"]).Children.Keys.Select(k => k.ToString()));

        // The fleet deploy/local/demo.sh runs by default.
        var demo = await File.ReadAllTextAsync(Path.Combine(ServiceProcess.RepositoryRoot().FullName, "deploy", "local", "demo.sh"), ct);
        foreach (var (variable, option) in new[] { ("sites", "--sites"), ("nodes_per_kind", "--nodes-per-kind"), ("invalid_every", "--invalid-every") })
        {
            var defaults = Regex.Match(demo, $@"^duration=.*\b{variable}=(\d+)", RegexOptions.Multiline);
            Assert.True(defaults.Success, $"demo.sh sets no default {variable}");
            Assert.Equal(int.Parse(defaults.Groups[1].Value, CultureInfo.InvariantCulture), parsed.GetValue<int>(option));
        }

        // Every service built here names a target of the Dockerfile; the simulator's runs as the non-root user.
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(ComposeDirectory, "Dockerfile"), ct);
        foreach (var built in services.Children.Values.Cast<YamlMappingNode>().Where(s => s.Children.ContainsKey("build")))
        {
            var target = ((YamlMappingNode)built["build"])["target"].ToString();
            Assert.Matches($@"(?m)^FROM \S+ AS {Regex.Escape(target)}$", dockerfile);
        }

        var stage = dockerfile[dockerfile.IndexOf(" AS simulator\n", StringComparison.Ordinal)..];
        stage = stage[..(stage.IndexOf("\nFROM ", StringComparison.Ordinal) is > 0 and var end ? end : stage.Length)];
        Assert.Contains("USER $APP_UID\n", stage, StringComparison.Ordinal);
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"EcoMonitor.FirmwareSim.dll\"]", stage, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task Every_setting_the_stack_gives_the_service_is_an_option_it_binds()
    {
        var environment = ServiceEnvironment(await ConfiguredServicesAsync(TestContext.Current.CancellationToken));
        var keys = environment.Keys.Select(k => k.Replace("__", ":", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(keys);
        Assert.All(keys, key => Assert.True(IsBoundOption(key), $"{key} is not an option the service binds"));

        // The check itself can fail: a misspelt key is not an option.
        Assert.False(IsBoundOption("Mqtt:Hots"));
        Assert.False(IsBoundOption("Influxdb:Url"));
    }

    [Fact(Timeout = 120_000)]
    public async Task Ports_and_volumes_agree_with_the_image_the_broker_and_Prometheus()
    {
        var ct = TestContext.Current.CancellationToken;
        var services = await ConfiguredServicesAsync(ct);
        var service = (YamlMappingNode)services["ecomonitor"];
        var environment = ServiceEnvironment(services);
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(ComposeDirectory, "Dockerfile"), ct);

        // HTTP: Urls, the published port, EXPOSE, the health check and Prometheus' target.
        var http = new Uri(environment["Urls"]).Port;
        Assert.Contains(PublishedTargets(service), p => p == http);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"EXPOSE {http}"), dockerfile, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"/dev/tcp/127.0.0.1/{http}"), dockerfile, StringComparison.Ordinal);
        Assert.Contains("GET /health/live ", dockerfile, StringComparison.Ordinal);
        var prometheus = await File.ReadAllTextAsync(Path.Combine(ComposeDirectory, "prometheus", "prometheus.yml"), TestContext.Current.CancellationToken);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"\"ecomonitor:{http}\""), prometheus, StringComparison.Ordinal);

        // Data: DataDirectory is the image's volume and a named volume of the stack.
        var data = environment["DataDirectory"];
        Assert.Contains($"VOLUME {data}", dockerfile, StringComparison.Ordinal);
        Assert.Contains(((YamlSequenceNode)service["volumes"]).Children.Select(v => v.ToString()), v => v.StartsWith("ecomonitor-data:" + data + ":", StringComparison.Ordinal));

        // The broker: the service's host and port are mosquitto's service and its config's listener.
        Assert.True(services.Children.ContainsKey(environment["Mqtt__Host"]), "Mqtt__Host is not a service of the stack");
        var listener = await ListenerAsync(ct);
        Assert.Equal(listener, int.Parse(environment["Mqtt__Port"], CultureInfo.InvariantCulture));
        Assert.Contains(PublishedTargets((YamlMappingNode)services["mosquitto"]), p => p == listener);

        // The store: Influx:Url names the influxdb service on the port it publishes.
        var influx = new Uri(environment["Influx__Url"]);
        Assert.True(services.Children.ContainsKey(influx.Host), "Influx__Url's host is not a service of the stack");
        Assert.Contains(PublishedTargets((YamlMappingNode)services[influx.Host]), p => p == influx.Port);
    }

    [Fact(Timeout = 120_000)]
    public async Task Grafana_gets_the_provisioning_the_dashboards_where_its_provider_looks_and_every_variable_its_datasources_read()
    {
        var ct = TestContext.Current.CancellationToken;
        var services = await ConfiguredServicesAsync(ct);
        var grafana = (YamlMappingNode)services["grafana"];
        var mounts = ((YamlSequenceNode)grafana["volumes"]).Children
            .Select(v => v.ToString().Split(':'))
            .ToDictionary(parts => parts[1], parts => parts[0]);
        var deploy = Path.Combine(ServiceProcess.RepositoryRoot().FullName, "deploy", "grafana");
        Assert.Equal(Path.Combine(deploy, "provisioning"), mounts["/etc/grafana/provisioning"]);

        // The provider's path holds the dashboards.
        var providers = await File.ReadAllTextAsync(Path.Combine(deploy, "provisioning", "dashboards", "ecomonitor.yaml"), ct);
        var path = ProviderPath().Match(providers).Groups[1].Value;
        Assert.Equal(Path.Combine(deploy, "dashboards"), mounts[path]);

        // Every ${VAR} of the datasources is set, and each URL names a service of the stack on a port it serves.
        var environment = ((YamlMappingNode)grafana["environment"]).Children.ToDictionary(e => e.Key.ToString(), e => e.Value.ToString());
        var datasources = await File.ReadAllTextAsync(Path.Combine(deploy, "provisioning", "datasources", "ecomonitor.yaml"), ct);
        var variables = EnvironmentReference().Matches(datasources).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Equal(["INFLUX_URL", "INFLUX_DB", "INFLUX_TOKEN", "PROMETHEUS_URL"], variables);
        Assert.All(variables, v => Assert.False(string.IsNullOrEmpty(environment.GetValueOrDefault(v)), $"{v} is not set for grafana"));
        Assert.Equal(Secrets["INFLUX_TOKEN"], environment["INFLUX_TOKEN"]);
        var influx = new Uri(environment["INFLUX_URL"]);
        Assert.Contains(PublishedTargets((YamlMappingNode)services[influx.Host]), p => p == influx.Port);
        Assert.Equal(new Uri(ServiceEnvironment(services)["Influx__Url"]), influx);
        var prometheus = new Uri(environment["PROMETHEUS_URL"]);
        Assert.Contains(PublishedTargets((YamlMappingNode)services[prometheus.Host]), p => p == prometheus.Port);

        // The database is the one create-dbrp.sh maps onto the bucket the service writes.
        var influxdb = ((YamlMappingNode)((YamlMappingNode)services["influxdb"])["environment"]).Children.ToDictionary(e => e.Key.ToString(), e => e.Value.ToString());
        Assert.Equal(influxdb["DOCKER_INFLUXDB_INIT_BUCKET"], environment["INFLUX_DB"]);
        Assert.Equal(ServiceEnvironment(services)["Influx__Bucket"], environment["INFLUX_DB"]);
        Assert.Contains("--db \"${DOCKER_INFLUXDB_INIT_BUCKET}\"", await File.ReadAllTextAsync(Path.Combine(ComposeDirectory, "influxdb", "create-dbrp.sh"), ct), StringComparison.Ordinal);
    }

    /// <summary>The port of mosquitto.conf's listener.</summary>
    private static async Task<int> ListenerAsync(CancellationToken ct)
    {
        var mosquittoConf = await File.ReadAllTextAsync(Path.Combine(ServiceProcess.RepositoryRoot().FullName, "deploy", "mosquitto", "mosquitto.conf"), ct);
        return int.Parse(ListenerLine().Match(mosquittoConf).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>A configuration key the service binds: a property of an options type of its section, or a root option.</summary>
    private static bool IsBoundOption(string key)
    {
        var parts = key.Split(':');
        if (parts.Length == 1)
        {
            // Urls is ASP.NET Core's own; the data directory is bound at the root.
            return key == "Urls" || typeof(DataDirectoryOptions).GetProperty(key) is { CanWrite: true };
        }

        return OptionsTypes().Where(t => string.Equals(t.Section, parts[0], StringComparison.OrdinalIgnoreCase)).Any(t => HasPath(t.Type, parts.AsSpan(1)));
    }

    private static bool HasPath(Type type, ReadOnlySpan<string> path)
    {
        var property = type.GetProperty(path[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        if (property is null)
        {
            return false;
        }

        return path.Length == 1 ? property.CanWrite || property.PropertyType.IsClass : HasPath(property.PropertyType, path[1..]);
    }

    private static IEnumerable<(string Section, Type Type)> OptionsTypes() =>
        typeof(EcoMonitorHost).Assembly.GetReferencedAssemblies()
            .Where(a => a.Name!.StartsWith("EcoMonitor.", StringComparison.Ordinal))
            .Select(Assembly.Load)
            .Append(typeof(EcoMonitorHost).Assembly)
            .SelectMany(a => a.GetTypes())
            .Select(t => (Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static | BindingFlags.FlattenHierarchy), Type: t))
            .Where(t => t.Field is { IsLiteral: true } && t.Field.FieldType == typeof(string))
            .Select(t => ((string)t.Field!.GetRawConstantValue()!, t.Type));

    private static IEnumerable<int> PublishedTargets(YamlMappingNode service) =>
        // docker-compose config writes "host:published:target/tcp", or the long form without a host address.
        ((YamlSequenceNode)service["ports"]).Children
            .Select(p => p is YamlMappingNode longForm ? longForm["target"].ToString() : p.ToString().Split('/')[0].Split(':')[^1])
            .Select(p => int.Parse(p, CultureInfo.InvariantCulture));

    private static Dictionary<string, string> ServiceEnvironment(YamlMappingNode services)
    {
        var service = (YamlMappingNode)services["ecomonitor"];
        return ((YamlMappingNode)service["environment"]).Children.ToDictionary(e => e.Key.ToString(), e => e.Value.ToString());
    }

    /// <summary>The services as <c>docker-compose config</c> resolves them (interpolated, normalised).</summary>
    private static async Task<YamlMappingNode> ConfiguredServicesAsync(CancellationToken ct, IReadOnlyDictionary<string, string>? variables = null, string? profile = null)
    {
        var (exit, output) = await ComposeConfigAsync(variables ?? Secrets, ct, profile);
        Assert.True(exit == 0, output);
        var yaml = new YamlStream();
        yaml.Load(new StringReader(output));
        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
    }

    /// <summary>
    /// <c>docker-compose config</c> with exactly <paramref name="variables"/> of the stack's variables set
    /// (the others removed from the environment), and <paramref name="profile"/> enabled.
    /// </summary>
    private static async Task<(int Exit, string Output)> ComposeConfigAsync(IReadOnlyDictionary<string, string> variables, CancellationToken ct, string? profile = null)
    {
        var environment = Secrets.Keys.Append(DemoPassword).ToDictionary(name => name, string? (name) => variables.GetValueOrDefault(name));
        string[] arguments = profile is null ? ["-f", "compose.yaml", "config"] : ["-f", "compose.yaml", "--profile", profile, "config"];
        var run = await ToolRun.RunAsync(ServerBinaries.Find("docker-compose"), arguments, ComposeDirectory, environment, cancellationToken: ct);
        return (run.ExitCode, run.ExitCode == 0 ? run.StandardOutput : run.StandardError + run.StandardOutput);
    }

    [GeneratedRegex(@"^\s*path:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex ProviderPath();

    [GeneratedRegex(@"\$\{([A-Z_]+)\}")]
    private static partial Regex EnvironmentReference();

    [GeneratedRegex(@"^listener\s+(\d+)", RegexOptions.Multiline)]
    private static partial Regex ListenerLine();
}
