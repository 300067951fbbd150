package dev.fmnist.contract.data;

/** A data file is missing, unreadable or not what it claims to be; the message names the file and the problem. */
public class DatasetException extends RuntimeException {

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
