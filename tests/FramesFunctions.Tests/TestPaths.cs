namespace ImageFrames.Tests;

/// <summary>Where the repository and the shared sample data are, found from the test assembly's location.</summary>
public static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>../shared/data/img.csv beside the repository (the realistic sample; CI lays it there too).</summary>
    public static string SampleCsv => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data", "img.csv"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ImageFrames.sln"))) return dir.FullName;
        throw new InvalidOperationException("ImageFrames.sln not found above " + AppContext.BaseDirectory);
    }
}
