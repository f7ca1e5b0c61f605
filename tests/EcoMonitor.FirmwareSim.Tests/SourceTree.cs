namespace EcoMonitor.FirmwareSim.Tests;

/// <summary>Folders of the repository, found from the test binaries upwards (tests run from bin/, wherever the clone is).</summary>
internal static class SourceTree
{
    /// <summary>The folder <paramref name="path"/> (relative to the repository root) under the nearest ancestor that has it.</summary>
    public static string Find(params string[] path)
    {
        var relative = Path.Combine(path);
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relative);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(relative.Replace(Path.DirectorySeparatorChar, '/') + " not found above " + AppContext.BaseDirectory);
    }
}
