import winston from 'winston';

// One JSON logger for the whole manager; components take a child with their own `component` field.
export type Logger = winston.Logger;

const root = winston.createLogger({
  level: process.env.OPENELB_LOG_LEVEL ?? 'info',
  format: winston.format.combine(
    winston.format.timestamp(),
    winston.format.errors({ stack: true }),
    winston.format.json(),
  ),
  transports: [
    new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug', 'verbose', 'silly'] }),
  ],
});

export function setLogLevel(level: string): void {
  root.level = level;
}

export function logger(component: string): Logger {
  return root.child({ component });
}
