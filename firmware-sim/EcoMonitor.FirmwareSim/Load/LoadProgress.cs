using System.Globalization;
using Spectre.Console;

namespace EcoMonitor.FirmwareSim.Load;

/// <summary>Progress for a log or a pipe: one line every <paramref name="period"/>, e.g. <c>t=5s sent=… complete=… rate=…/s …</c>.</summary>
public sealed class PlainLoadProgress(TextWriter output, TimeProvider timeProvider, TimeSpan period) : ILoadProgress
{
    public async Task RunAsync(Func<LoadSnapshot> snapshot, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        using var timer = new PeriodicTimer(period, timeProvider);
        var previous = snapshot();
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var current = snapshot();
                await output.WriteLineAsync(LoadProgressText.Line(current, previous));
                previous = current;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run is over: the summary follows.
        }
    }
}

/// <summary>
/// Live progress on a terminal with Spectre.Console: a bar of complete messages against the plan,
/// with the current rate, p99 latency, messages in flight and errors. Drawn on the given writer
/// (stderr), so stdout keeps its one summary line.
/// </summary>
public sealed class LiveLoadProgress(TextWriter terminal, TimeProvider timeProvider) : ILoadProgress
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(250);

    /// <summary>True when <paramref name="writer"/> is this process's stderr and that is a terminal.</summary>
    public static bool CanShowOn(TextWriter writer) =>
        !Console.IsErrorRedirected && ReferenceEquals(writer, Console.Error);

    public async Task RunAsync(Func<LoadSnapshot> snapshot, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(terminal),
            Interactive = InteractionSupport.Yes,
            Ansi = AnsiSupport.Detect,
        });
        var progress = console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 20 }, new PercentageColumn());
        await progress.StartAsync(async context =>
        {
            var first = snapshot();
            var task = context.AddTask("connecting", autoStart: true, maxValue: Math.Max(1, first.Planned));
            var previous = first;
            var previousAt = timeProvider.GetTimestamp();
            var rate = 0.0;
            using var timer = new PeriodicTimer(Refresh, timeProvider);
            try
            {
                while (await timer.WaitForNextTickAsync(stop))
                {
                    var current = snapshot();
                    var seconds = timeProvider.GetElapsedTime(previousAt).TotalSeconds;
                    if (seconds >= 1)
                    {
                        rate = (current.Completed - previous.Completed) / seconds;
                        previous = current;
                        previousAt = timeProvider.GetTimestamp();
                    }

                    Update(task, current, rate);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                var last = snapshot();
                Update(task, last, rate);
                task.StopTask();
            }
        });
    }

    private static void Update(ProgressTask task, LoadSnapshot current, double rate)
    {
        task.Value = current.Completed;
        task.Description = Markup.Escape(string.Create(
            CultureInfo.InvariantCulture,
            $"{current.Elapsed.TotalSeconds,4:0}s {rate,7:N0}/s  p99 {current.P99.TotalMilliseconds,6:0.0} ms  in flight {current.Inflight,5:N0}  failed {current.Failed:N0}"));
    }
}

internal static class LoadProgressText
{
    /// <summary>One progress line; the rate is over the time since <paramref name="previous"/>.</summary>
    public static string Line(LoadSnapshot current, LoadSnapshot previous)
    {
        var seconds = (current.Elapsed - previous.Elapsed).TotalSeconds;
        var rate = seconds > 0 ? (current.Completed - previous.Completed) / seconds : 0;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"t={Math.Round(current.Elapsed.TotalSeconds):0}s sent={current.Sent} complete={current.Completed} rate={rate:0}/s inflight={current.Inflight} failed={current.Failed} p99_ms={current.P99.TotalMilliseconds:0.###}");
    }
}
