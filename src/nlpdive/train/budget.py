"""The time budget of a run (`--time-budget SECONDS`): measure the training speed, plan the number of steps the
budget buys (the learning-rate schedule, a train.optim.Plan, ends there), re-plan as the run goes, and say when
the time is up. Evaluations count against the budget; a resumed run counts the time already spent."""
import time

WARM_STEPS = 3         # the first steps of a session are slow (allocations, caches): not measured
REPLAN_EVERY = 100     # steps between re-plans (also 10 and 50 steps after the first measurement)


class TimeBudget:
    def __init__(self, seconds, plan, cap, epoch_steps, eval_every=None, spent=0.0, step=0):
        self.seconds, self.plan, self.cap = seconds, plan, cap  # cap: the steps --epochs allows
        self.every = [n for n in (eval_every, epoch_steps) if n]  # steps between evaluations
        self.spent, self.clock, self.step0 = spent, time.perf_counter(), step
        self.evals, self.mark = [], None  # seconds of each evaluation; (step, elapsed, evaluations) measured from

    def elapsed(self):
        return self.spent + time.perf_counter() - self.clock

    def evaluated(self, seconds):
        self.evals.append(seconds)

    def up(self, step):
        """After optimizer step `step`: True at the planned step (or --max-steps) or when the time is spent."""
        if not self.seconds:
            return step >= self.plan.total
        done = step - self.step0
        if done == WARM_STEPS or (self.mark is None and done > WARM_STEPS):
            self.mark = (step, self.elapsed(), len(self.evals))
        elif self.mark is not None and (done - WARM_STEPS in (10, 50) or done % REPLAN_EVERY == 0):
            self.replan(step)
        return step >= self.plan.total or self.elapsed() >= self.seconds

    def replan(self, step):
        """Planned steps = steps so far + what the remaining time buys at the measured training speed, after the
        evaluations still to come (each costing the mean measured one) and the final one."""
        step0, t0, evals0 = self.mark
        rate = (step - step0) / max(1e-6, self.elapsed() - t0 - sum(self.evals[evals0:]))  # steps per second
        per_eval = sum(self.evals) / len(self.evals) if self.evals else 0.0
        left = self.seconds - self.elapsed()
        planned = step + rate * left
        for _ in range(3):  # the number of evaluations depends on the plan: a few fixed-point rounds
            evals = 1 + sum((int(planned) - step) // n for n in self.every)
            planned = step + rate * max(0.0, left - evals * per_eval)
        self.plan.total = max(step + 1, min(self.cap, int(planned)))
