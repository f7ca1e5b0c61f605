using EcoMonitor.Ingest.Mqtt;
using EcoMonitor.Runtime.Files;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Tests.Mqtt;

/// <summary>The record of what the persistent session is subscribed to: <c>DataDirectory/state/subscriptions.json</c>.</summary>
public sealed class SubscriptionStateFileTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ecomonitor-data-");

    public void Dispose() => _data.Delete(recursive: true);

    [Fact]
    public void Without_a_file_nothing_is_on_record()
    {
        Assert.Empty(NewFile().Load("broker:1883", "client-a"));
    }

    [Fact]
    public void The_filters_saved_are_read_back_and_no_temporary_file_is_left()
    {
        var file = NewFile();

        file.Save("broker:1883", "client-a", ["eco/+/+/+", "$share/g/tele/+/SENSOR"]);
        file.Save("broker:1883", "client-a", ["eco/+/+/+"]);

        Assert.Equal(["eco/+/+/+"], NewFile().Load("broker:1883", "client-a"));
        Assert.Equal(["subscriptions.json"], Directory.GetFiles(Path.GetDirectoryName(file.FilePath)!).Select(Path.GetFileName));
    }

    [Fact]
    public void A_record_of_another_session_is_not_this_sessions()
    {
        var file = NewFile();
        file.Save("broker:1883", "client-a", ["old/+/+/+"]);

        // Another client id or another broker is another session: nothing of it to unsubscribe here.
        Assert.Empty(file.Load("broker:1883", "client-b"));
        Assert.Empty(file.Load("other:1883", "client-a"));
    }

    private SubscriptionStateFile NewFile() => new(Options.Create(new DataDirectoryOptions { DataDirectory = _data.FullName }));
}
