using ImageFrames.Sample;

namespace ImageFrames.Tests;

/// <summary>Where the repository is, and the realistic sample every test shares: written once per test run by
/// the same code as <c>frames sample</c> (5,460 rows × 200 columns from depth 9000.1, first rows flat 224,
/// one trailing all-empty row), so a fresh clone needs no data from anywhere.</summary>
public static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    private static readonly Lazy<string> Sample = new(() =>
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("frames-sample-").FullName, "img.csv");
        using (var file = File.Create(path)) SampleLog.Write(new SampleLogSpec(), file);
        return path;
    });

    /// <summary>img.csv: the default sample, so its dataset id is "img".</summary>
    public static string SampleCsv => Sample.Value;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ImageFrames.sln"))) return dir.FullName;
        throw new InvalidOperationException("ImageFrames.sln not found above " + AppContext.BaseDirectory);
    }
}
