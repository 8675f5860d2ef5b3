using Forge.Tests.Support;

namespace Forge.Tests.BadInputs;

/// <summary>
/// The corpus of bad specs and data files in tests/Forge.Tests/BadInputs: each is refused before training with exit
/// code 2 and a one-paragraph message that names the field or file, never a stack trace.
/// </summary>
public class BadInputTests
{
    private static readonly string Corpus = Path.Combine(TestSpecs.RepositoryRoot, "tests", "Forge.Tests", "BadInputs", "specs");

    [Theory]
    [InlineData("not-json.json", "is not valid JSON at line 1")]
    [InlineData("not-an-object.json", "must be a JSON object { ... }, not array")]
    [InlineData("unknown-model.json", "model.name: unknown model plugin 'transformerz'; known model plugins: gpt, mlp")]
    [InlineData("missing-optimizer.json", "optimizer: is missing")]
    [InlineData("negative-steps.json", "training.steps: is -5, but must be >= 1")]
    [InlineData("wrong-type.json", "training.batchSize: \"big\" is not allowed here; expected an integer")]
    [InlineData("misspelled-field.json", "did you mean 'training'?")]
    [InlineData("unknown-model-field.json", "model.widht: unknown field 'widht'; did you mean 'width'?")]
    [InlineData("bad-checkpoint-shorthand.json", "checkpoint: \"sometimes\" is not allowed here; use \"none\"")]
    [InlineData("missing-data-file.json", "data.path: cannot read the text file")]
    [InlineData("empty-data-file.json", "has 0 characters, too few for windows of data.context = 16")]
    [InlineData("data-shorter-than-context.json", "has 14 characters, too few for windows of data.context = 16")]
    [InlineData("resume-from-nowhere.json", "resume: no/such/checkpoint is neither \"auto\", \"never\"")]
    [InlineData("warmup-longer-than-run.json", "schedule.warmupSteps (50) is larger than steps (10)")]
    [InlineData("unknown-precision.json", "unknown precision plugin 'fp4'; did you mean 'fp8'?")]
    [InlineData("unknown-guard-policy.json", "guard.onNonFinite: \"explode\" is not allowed here; expected one of \"stop\", \"skip\", \"rollback\"")]
    [InlineData("bad-run-name.json", "name: is \"../escape\", but must start with a letter or digit")]
    [InlineData("duplicate-key.json", "model.name: is given twice in the same object (the second time at line 3)")]
    public async Task Each_bad_input_is_refused_with_a_message_naming_what_to_fix(string file, string expected)
    {
        using var dir = new TempDirectory();

        var result = await CliRunner.RunAsync("run", Path.Combine(Corpus, file), "--runs", Path.Combine(dir.Path, "runs"), "--plain");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error);
        Assert.DoesNotContain("   at ", result.Error);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "runs")) && Directory.GetFiles(Path.Combine(dir.Path, "runs"), "metrics.jsonl", SearchOption.AllDirectories).Length > 0,
            "nothing trained");
    }

    [Fact]
    public void Every_file_in_the_corpus_has_a_case()
    {
        var covered = typeof(BadInputTests).GetMethod(nameof(Each_bad_input_is_refused_with_a_message_naming_what_to_fix))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>().Select(a => (string)a.GetData(null!).Single()[0]);
        Assert.Equal(Directory.GetFiles(Corpus, "*.json").Select(Path.GetFileName).Order(), covered.Order());
    }
}
