package dev.junction.core.tasks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Drives an {@link AsyncVendor} one step per run: submit (and persist the job), or poll, or —
 * once done — fetch the result. The engine schedules the runs (polling backoff, retries, expiry,
 * cancellation); this class only maps the vendor's answers to {@link TaskStep}s.
 */
public final class AsyncVendorHandler implements TaskHandler {

    private final AsyncVendor vendor;

    public AsyncVendorHandler(AsyncVendor vendor) {
        this.vendor = vendor;
    }

    @Override
    public String kind() {
        return vendor.kind();
    }

    @Override
    public java.util.List<String> providers(Task task) {
        return vendor.providers(task);
    }

    @Override
    public CompletionStage<TaskStep> run(TaskRun run) {
        Task t = run.task();
        if (t.vendorJob() == null) {
            String submissionKey = t.id() + "-" + t.attempts();
            return vendor.submit(t, submissionKey, run.excludedProviders())
                    .thenCompose(job -> run.recordVendorJob(job)
                            .handle((saved, err) -> {
                                if (err != null) {
                                    // Cancelled or taken over between the vendor's answer and the commit:
                                    // nobody will poll this job, so cancel it now.
                                    vendor.cancel(t, job);
                                    throw err instanceof CompletionException ce ? ce : new CompletionException(err);
                                }
                                return (TaskStep) new TaskStep.Waiting(null, null);
                            }))
                    .exceptionally(AsyncVendorHandler::failure);
        }
        Task.VendorJob job = t.vendorJob();
        return vendor.poll(t, job).thenCompose(status -> {
            if (status instanceof AsyncVendor.JobStatus.Pending p) {
                return CompletableFuture.completedFuture((TaskStep) new TaskStep.Waiting(p.progress(), p.retryAfter()));
            }
            if (status instanceof AsyncVendor.JobStatus.Failed f) {
                return CompletableFuture.completedFuture((TaskStep) new TaskStep.Failed(f.error(), f.retryable(), null));
            }
            AsyncVendor.JobStatus.Done done = (AsyncVendor.JobStatus.Done) status;
            return vendor.fetch(t, job, done).thenApply(r -> (TaskStep) new TaskStep.Succeeded(r));
        }).exceptionally(e -> {
            TaskStep s = failure(e);
            // A poll that failed transiently says nothing about the job: look again later.
            return s instanceof TaskStep.Failed f && f.retryable() ? new TaskStep.Waiting(t.progress(), f.retryAfter()) : s;
        });
    }

    @Override
    public CompletionStage<Void> cancel(Task task) {
        return task.vendorJob() == null ? CompletableFuture.completedFuture(null) : vendor.cancel(task, task.vendorJob());
    }

    static TaskStep failure(Throwable e) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (c instanceof TaskAbortedException a) {
            throw a;
        }
        if (c instanceof VendorJobException v) {
            return new TaskStep.Failed(v.error(), v.retryable(), v.retryAfter());
        }
        return new TaskStep.Failed(new Task.TaskError("The vendor call failed: " + c.getMessage(), "upstream_error", null,
                "upstream_unavailable"), true, null);
    }
}
