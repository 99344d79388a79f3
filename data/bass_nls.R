# The reference numbers of tests/test_bassfit.py: R's nls on data/vcr_sales.csv, both forms.
# Run from the repository root: Rscript data/bass_nls.R  (R 4.2.2; Debian: apt-get install r-base-core)
d <- read.csv("data/vcr_sales.csv", comment.char = "#")
T79 <- d$period
Sales <- d$sales
options(digits = 10)
# The textbook form: sales = m f(t) (the density at the end of each period).
fit <- nls(Sales ~ M * (((P + Q)^2 / P) * exp(-(P + Q) * T79)) /
             (1 + (Q / P) * exp(-(P + Q) * T79))^2,
           start = list(M = 60630, P = 0.03, Q = 0.38))
print(summary(fit))
print(coef(summary(fit)), digits = 10)
print(sigma(fit), digits = 10)
# Srinivasan & Mason (1986): sales = m [F(t) - F(t-1)].
Fc <- function(t, P, Q) (1 - exp(-(P + Q) * t)) / (1 + (Q / P) * exp(-(P + Q) * t))
fit2 <- nls(Sales ~ M * (Fc(T79, P, Q) - Fc(T79 - 1, P, Q)),
            start = list(M = 60630, P = 0.03, Q = 0.38))
print(summary(fit2))
print(coef(summary(fit2)), digits = 10)
print(sigma(fit2), digits = 10)
