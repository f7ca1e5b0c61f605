using System.Diagnostics;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>
/// A real, size-limited filesystem (tmpfs) on a temporary directory, to run out of space on
/// purpose: <see cref="Fill"/> takes every free byte with a filler file, <see cref="Free"/> gives
/// them back. Mounting needs root; where it is refused, <see cref="MountOrSkip"/> skips the test
/// and says why.
/// </summary>
public sealed class SmallFilesystem : IDisposable
{
    private readonly string _filler;

    private SmallFilesystem(DirectoryInfo root)
    {
        Root = root;
        _filler = Path.Combine(root.FullName, "filler");
    }

    public DirectoryInfo Root { get; }

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/> bytes, or skips the calling test.</summary>
    public static SmallFilesystem MountOrSkip(long bytes)
    {
        var root = Directory.CreateTempSubdirectory("ecomonitor-smallfs-");
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", root.FullName);
        if (code != 0)
        {
            root.Delete();
            Assert.Skip($"cannot mount a size-limited tmpfs to fill it (needs root): mount exited with {code}: {output.Trim()}");
        }

        return new SmallFilesystem(root);
    }

    /// <summary>Writes a filler file until the filesystem has no byte left.</summary>
    public void Fill()
    {
        var chunk = new byte[4096];
        using var stream = new FileStream(_filler, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0);
        try
        {
            while (true)
            {
                stream.Write(chunk);
            }
        }
        catch (IOException)
        {
            // Full.
        }

        // A page may be left: single bytes until that fails too.
        try
        {
            while (true)
            {
                stream.WriteByte(0);
            }
        }
        catch (IOException)
        {
            // Full to the byte.
        }
    }

    /// <summary>Space returns: the filler file is deleted.</summary>
    public void Free() => File.Delete(_filler);

    public void Dispose()
    {
        var (code, output) = Run("umount", Root.FullName);
        if (code != 0)
        {
            throw new InvalidOperationException($"umount {Root.FullName} exited with {code}: {output.Trim()}");
        }

        Root.Delete(recursive: true);
    }

    private static (int Code, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}
