package app;
public class Main {}
