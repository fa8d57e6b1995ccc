using ImageFrames.Cli;
using ImageFrames.Configuration;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The same executable is the function app and, when its first argument is a verb, the command line
// (so `docker compose exec functions dotnet FramesFunctions.dll ingest …` works in the container).
if (CommandLine.IsVerb(args)) return await CommandLine.RunAsync(args);

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddImageFramesFunctions(builder.Configuration);
await builder.Build().RunAsync();
return 0;
