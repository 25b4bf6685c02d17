package io.albireo.maintenance.internal;

/** What an agent does with one kind of work item. */
interface Job {

    /**
     * Works on the item until it is done, or until {@code lease.stop()}, checkpointing as it goes.
     *
     * @return what became of it
     */
    Result run(Lease lease) throws InterruptedException;

    /**
     * What became of an item.
     *
     * @param done whether it is done (the agent finishes it in the ABM)
     * @param laterMillis if not done, how long nobody should take it again (0: at once)
     * @param why if not done, the reason, for the log
     */
    record Result(boolean done, long laterMillis, String why) {
        static final Result DONE = new Result(true, 0, "");

        static Result later(long millis, String why) {
            return new Result(false, millis, why);
        }
    }
}
