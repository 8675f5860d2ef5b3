using Forge.Core.Training;

namespace Forge.Core.Runs;

/// <summary>
/// Where a run tells what it does, for whoever started it to show: the command line on the console, a sweep worker in
/// the trial's log. Training calls <see cref="Progress"/> from its own thread; the others come from the caller's flow.
/// </summary>
public interface IRunSink
{
    /// <summary>This process is rank <paramref name="rank"/> of a data-parallel job of <paramref name="ranks"/> (said once, by every rank, before it trains).</summary>
    void Joined(int rank, int ranks, string description) { }

    /// <summary>The run is set up and about to train: what it is and where it writes.</summary>
    void Started(RunStarted run);

    /// <summary>A logged step.</summary>
    void Progress(ProgressUpdate update);

    /// <summary>Something the user should know that does not stop the run (a damaged checkpoint passed over, a plot that could not be drawn).</summary>
    void Warning(string message);

    /// <summary>The run ended and its summary is written.</summary>
    void Finished(RunSummary summary, string summaryPath);
}
