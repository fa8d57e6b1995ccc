using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageFrames.Tests;

/// <summary>
/// normalize=static and normalize=dynamic on pictures: greys re-equalised over the whole dataset, or over the rows
/// within a depth window around each row (the field's dynamic image), before the colour map; tiles next to each other
/// give exactly the rows of one big picture, because a row's mapping depends on the dataset, not on the request.
/// </summary>
public sealed class NormalizationTests : IDisposable
{
    private readonly HttpHarness _http = new();

    public void Dispose() => _http.Dispose();

    /// <summary>A log whose brightness drifts with depth (dark at the top, bright at the bottom) under speckle.</summary>
    private async Task IngestDriftAsync()
    {
        var random = new Random(5);
        var csv = Csv.Header(150) + "\n" + string.Join("\n", Enumerable.Range(0, 2000).Select(i =>
            Csv.Row((100 + i * 0.01).ToString("R", System.Globalization.CultureInfo.InvariantCulture), Enumerable.Range(0, 150).Select(_ => Math.Clamp(i / 10 + random.Next(40), 0, 255))))) + "\n";
        await _http.Db.IngestTextAsync(csv, "drift");
    }

    private async Task<Rgb24[,]> PictureAsync(string query)
    {
        var answer = await _http.GetAsync((f, q) => f.GetFramesImage(q), "dataset=drift&colormap=grayscale&" + query);
        Assert.Equal(200, answer.Status);
        using var image = Image.Load<Rgb24>(answer.Body);
        var pixels = new Rgb24[image.Height, image.Width];
        for (var y = 0; y < image.Height; y++) for (var x = 0; x < image.Width; x++) pixels[y, x] = image[x, y];
        return pixels;
    }

    private static double RowMean(Rgb24[,] pixels, int row) => Enumerable.Range(0, pixels.GetLength(1)).Average(x => pixels[row, x].R);

    [Fact]
    public async Task DynamicNormalisationTakesOutTheDriftAndTilesJoinWithoutSeams()
    {
        await IngestDriftAsync();
        var plain = await PictureAsync("depth_min=100&depth_max=120");
        var dynamic = await PictureAsync("depth_min=100&depth_max=120&normalize=dynamic&window=0.6");
        // Plain: the top is much darker than the bottom; dynamic: each depth spread over the whole grey range.
        Assert.True(RowMean(plain, 1999) - RowMean(plain, 0) > 150);
        Assert.InRange(RowMean(dynamic, 1000) - RowMean(dynamic, 20), -20, 20);
        Assert.InRange(RowMean(dynamic, 1000), 100, 155);

        // Two tiles meeting at 110 are the big picture's rows, to the pixel.
        var top = await PictureAsync("depth_min=100&depth_max=110&normalize=dynamic&window=0.6");
        var bottom = await PictureAsync("depth_min=110.005&depth_max=120&normalize=dynamic&window=0.6");
        Assert.Equal(2000, top.GetLength(0) + bottom.GetLength(0));
        for (var y = 0; y < 2000; y++)
            for (var x = 0; x < 150; x++)
                Assert.Equal(dynamic[y, x], y < top.GetLength(0) ? top[y, x] : bottom[y - top.GetLength(0), x]);
    }

    [Fact]
    public async Task StaticNormalisationEqualisesOverTheWholeDatasetWhateverTheWindow()
    {
        await IngestDriftAsync();
        var whole = await PictureAsync("depth_min=100&depth_max=120&normalize=static");
        var part = await PictureAsync("depth_min=105&depth_max=106&normalize=static");
        for (var y = 0; y < part.GetLength(0); y++)
            for (var x = 0; x < 150; x++) Assert.Equal(whole[500 + y, x], part[y, x]);
        // Equalised: about as many pixels in the darker half of the greys as in the brighter.
        var all = Enumerable.Range(0, 2000).SelectMany(y => Enumerable.Range(0, 150).Select(x => whole[y, x].R)).ToList();
        Assert.InRange(all.Count(v => v < 128) / (double)all.Count, 0.45, 0.55);
    }

    [Fact]
    public async Task OverviewPicturesAreNormalisedToo()
    {
        await IngestDriftAsync();
        var plain = await PictureAsync("height=100");
        var dynamic = await PictureAsync("height=100&normalize=dynamic&window=1");
        Assert.Equal(100, dynamic.GetLength(0));
        Assert.True(RowMean(plain, 99) - RowMean(plain, 0) > 150);
        Assert.InRange(RowMean(dynamic, 80) - RowMean(dynamic, 20), -25, 25);
    }

    /// <summary>The README's picture, when asked for (FRAMES_SCREENSHOTS=docs): the sample log's same window as
    /// stored, static and dynamic, side by side.</summary>
    [Fact]
    public async Task TheSampleLogAsStoredStaticAndDynamic()
    {
        var csv = Path.Combine(_http.Db.Folder, "img.csv");
        using (var file = File.Create(csv)) ImageFrames.Sample.SampleLog.Write(new ImageFrames.Sample.SampleLogSpec(), file);
        await using (var file = File.OpenRead(csv)) await _http.Db.Ingest.IngestAsync(file, "img", "img.csv");
        var pictures = new List<Image<Rgb24>>();
        foreach (var normalize in new[] { "", "&normalize=static", "&normalize=dynamic&window=2" })
        {
            var answer = await _http.GetAsync((f, q) => f.GetFramesImage(q), "dataset=img&colormap=inferno&depth_min=9150&depth_max=9250&height=600" + normalize);
            Assert.Equal(200, answer.Status);
            pictures.Add(Image.Load<Rgb24>(answer.Body));
        }
        Assert.NotEqual(pictures[0][75, 300], pictures[2][75, 300]);
        if (Environment.GetEnvironmentVariable("FRAMES_SCREENSHOTS") is not { Length: > 0 } folder) return;
        using var sheet = new Image<Rgb24>(3 * 150 + 2 * 12, 600, new Rgb24(255, 255, 255));
        for (var i = 0; i < 3; i++)
        {
            var (picture, x0) = (pictures[i], i * (150 + 12));
            for (var y = 0; y < 600; y++) for (var x = 0; x < 150; x++) sheet[x0 + x, y] = picture[x, y];
        }
        await sheet.SaveAsPngAsync(Path.Combine(TestPaths.RepositoryRoot, folder, "normalize.png"));
    }

    [Theory]
    [InlineData("normalize=wild", "normalize")]
    [InlineData("normalize=dynamic&window=0", "window")]
    [InlineData("normalize=static&window=1", "window")]
    public async Task BadNormalisationParametersAreProblems(string query, string parameter)
    {
        await IngestDriftAsync();
        var answer = await _http.GetAsync((f, q) => f.GetFramesImage(q), "dataset=drift&" + query);
        Assert.Equal((400, parameter), (answer.Status, answer.Json.GetProperty("parameter").GetString()));
    }
}
