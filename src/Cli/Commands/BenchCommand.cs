using Forge.Bench;
using Forge.Core.Errors;

namespace Forge.Cli.Commands;

/// <summary>
/// <c>forge bench [--smoke] [--output DIR] [--data FILE] [--corpora] [--blocks] [--distributed] [--sweeps] [--images [--images-path DIR]]</c>: the performance harness (see benchmarks/README.md);
/// results go to <c>DIR/bench-&lt;time&gt;.json</c> and <c>.md</c>.
/// </summary>
internal sealed class BenchCommand(TextWriter output, TextWriter error) : CommandBase(output, error)
{
    public Task<int> ExecuteAsync(bool smoke, string outputFolder, string dataPath, int[]? widths, bool fp32Only, CancellationToken cancellationToken, bool corpora = false, bool blocks = false, bool distributed = false, bool sweeps = false, string? imagesPath = null) =>
        GuardAsync(async () =>
        {
            if (imagesPath is not null)
            {
                var measured = await Task.Run(() => new ImageFigures(imagesPath, smoke, Output).Run(), cancellationToken);
                var (imagesJson, imagesMarkdown) = ImageFigures.Write(measured, outputFolder);
                await Output.WriteLineAsync($"wrote {imagesJson} and {imagesMarkdown}");
                return ExitCodes.Success;
            }
            if (!File.Exists(dataPath))
                throw new RunSetupException($"--data: {Path.GetFullPath(dataPath)} does not exist; run from the repository root or pass --data data/tinyshakespeare.txt.");
            ReportNativeSetup();
            if (distributed)
            {
                var scaling = await Task.Run(() => new DistributedFigures(dataPath, smoke, Output).Run(), cancellationToken);
                var (scalingJson, scalingMarkdown) = DistributedFigures.Write(scaling, outputFolder);
                await Output.WriteLineAsync($"wrote {scalingJson} and {scalingMarkdown}");
                return ExitCodes.Success;
            }
            if (sweeps)
            {
                var measured = await SweepBench.RunAsync(dataPath, smoke, Output);
                var (sweepsJson, sweepsMarkdown) = SweepBench.Write(measured, outputFolder);
                await Output.WriteLineAsync($"wrote {sweepsJson} and {sweepsMarkdown}");
                return ExitCodes.Success;
            }
            if (blocks)
            {
                var measured = await Task.Run(() => new BlockFigures(dataPath, smoke, Output).Run(), cancellationToken);
                var (blocksJson, blocksMarkdown) = BlockFigures.Write(measured, outputFolder);
                await Output.WriteLineAsync($"wrote {blocksJson} and {blocksMarkdown}");
                return ExitCodes.Success;
            }
            if (corpora)
            {
                var figures = await Task.Run(() => new CorpusFigures(dataPath, smoke, Output).Run(), cancellationToken);
                var (corpusJson, corpusMarkdown) = CorpusFigures.Write(figures, outputFolder);
                await Output.WriteLineAsync($"wrote {corpusJson} and {corpusMarkdown}");
                return ExitCodes.Success;
            }
            var settings = (smoke ? BenchSettings.Smoke(dataPath) : BenchSettings.Full(dataPath)).Narrowed(widths, fp32Only);
            var report = await new Benchmark(settings, Output).RunAsync();
            var (json, markdown) = BenchReportWriter.Write(report, outputFolder);
            await Output.WriteLineAsync($"wrote {json} and {markdown}");
            return ExitCodes.Success;
        });
}
