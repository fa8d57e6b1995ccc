return await ImageFrames.Cli.CommandLine.RunAsync(args);
