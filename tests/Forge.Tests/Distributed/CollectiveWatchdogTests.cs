using Forge.Core.Distributed;

namespace Forge.Tests.Distributed;

/// <summary>The watchdog that ends a job whose collective call waits too long for the other ranks.</summary>
public class CollectiveWatchdogTests
{
    [Fact]
    public async Task A_call_that_waits_past_the_timeout_ends_the_job_once_with_a_message_naming_the_call_and_the_limit()
    {
        var messages = new List<string>();
        using var watchdog = new CollectiveWatchdog(TimeSpan.FromMilliseconds(200), "rank 0 of 2", m => { lock (messages) messages.Add(m); });

        using (watchdog.Enter("MPI_Allreduce"))
            await Task.Delay(1200);

        lock (messages)
        {
            var message = Assert.Single(messages);
            Assert.StartsWith("rank 0 of 2 has waited ", message);
            Assert.Contains("in MPI_Allreduce for the other ranks, longer than distributedTimeoutSeconds (0 s)", message);
        }
    }

    [Fact]
    public async Task Calls_that_return_in_time_and_time_between_calls_do_not_count()
    {
        int fired = 0;
        using var watchdog = new CollectiveWatchdog(TimeSpan.FromMilliseconds(400), "rank 1 of 2", _ => Interlocked.Increment(ref fired));

        for (int i = 0; i < 10; i++)
        {
            using (watchdog.Enter("MPI_Bcast"))
                await Task.Delay(20);
            await Task.Delay(100); // 1 s in all between calls: no call is in progress then
        }

        Assert.Equal(0, fired);
    }
}
