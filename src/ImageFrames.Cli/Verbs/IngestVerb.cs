using System.CommandLine;
using ImageFrames.Configuration;
using ImageFrames.Ingest;
using ImageFrames.Store;

namespace ImageFrames.Cli.Verbs;

/// <summary><c>frames ingest FILE|-</c>: the same ingest path as the blob trigger and the admin POST.</summary>
public static class IngestVerb
{
    public static Command Create(CliContext cli)
    {
        var file = new Argument<string>("file") { Description = "the CSV or DLIS (.dlis) file to ingest, or - for standard input (CSV)" };
        var dataset = new Option<string?>("--dataset") { Description = "dataset id (default: the file name without extension; required for -)", HelpName = "ID" };
        var chunkSize = CliOptions.WholeNumber("--chunk-size", "rows per batch handed from the parser to the writer", 1, 1_000_000);
        var quiet = new Option<bool>("--quiet", "-q") { Description = "no progress on standard error" };
        var command = new Command("ingest", "Validate, resize and store a CSV (or each image channel of a DLIS file) as a new version of a dataset.") { file, dataset, chunkSize, quiet };
        command.SetAction(async (parsed, ct) =>
        {
            var path = parsed.GetValue(file)!;
            var fromStdin = path == "-";
            var id = parsed.GetValue(dataset);
            if (fromStdin && id is null) throw new UsageException("reading standard input needs --dataset ID");
            if (!fromStdin && !File.Exists(path)) throw new UsageException($"file: no such file '{path}'");
            var options = cli.Get<FramesOptions>();
            if ((long?)parsed.GetValue(chunkSize) * options.TargetWidth > FramesOptions.MaxBatchBytes)
                throw new UsageException($"--chunk-size {parsed.GetValue(chunkSize)} × FRAMES_TARGET_WIDTH {options.TargetWidth} is above {FramesOptions.MaxBatchBytes} bytes per batch");
            await using var stream = fromStdin
                ? Console.OpenStandardInput()
                : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            IngestResult result;
            using (var progress = parsed.GetValue(quiet) ? null : new IngestProgressLine(cli.Console, fromStdin ? null : stream.Length))
                result = await cli.Get<IngestService>().IngestAsync(stream, id, fromStdin ? "stdin" : Path.GetFileName(path),
                    parsed.GetValue(chunkSize), progress, ct);
            if (result.Status == IngestStatus.Rejected)
            {
                await cli.Console.Error.WriteLineAsync($"rejected {path}: {result.Error}");
                return CommandLine.Failed;
            }
            // A DLIS file with several image channels became several datasets: one line each.
            foreach (var one in result.Others.Prepend(result))
            {
                if (one.Status == IngestStatus.Rejected)
                {
                    await cli.Console.Error.WriteLineAsync($"rejected {path} as '{one.DatasetId}': {one.Error}");
                    continue;
                }
                await cli.Console.Out.WriteLineAsync(
                    $"{one.Status.ToString().ToLowerInvariant()}: dataset '{one.DatasetId}', {one.Rows:N0} rows, {one.SkippedRows} skipped, " +
                    $"{one.Bytes / 1e6:F1} MB in {one.Elapsed.TotalSeconds:F2} s ({one.RowsPerSecond:N0} rows/s)");
            }
            return result.Others.Any(o => o.Status == IngestStatus.Rejected) ? CommandLine.Failed : CommandLine.Ok;
        });
        return command;
    }
}
