namespace ImageFrames.Tests;

/// <summary>One stage of the Dockerfile: its base image, its name and its instructions (continuation lines
/// joined, comments dropped).</summary>
public sealed record DockerfileStage(string Image, string Name, List<string> Lines);

public static class DockerfileStages
{
    public static List<DockerfileStage> Read()
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "Dockerfile"));
        var joined = System.Text.RegularExpressions.Regex.Replace(text, @"\\\r?\n\s*", " ");
        var stages = new List<DockerfileStage>();
        foreach (var line in joined.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            if (line.StartsWith("FROM "))
            {
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                stages.Add(new DockerfileStage(words[1], words.Length > 3 ? words[3] : "", []));
            }
            else stages[^1].Lines.Add(line);
        }
        return stages;
    }
}
